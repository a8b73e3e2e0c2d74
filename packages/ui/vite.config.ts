import { defineConfig } from 'vite';

/**
 * The release center is served by the control plane at /ui/ (packages/control-plane/src/http/ui-routes.ts).
 * `npx vite` in this folder serves it with hot reload and forwards /api to a control plane on :7070.
 */
export default defineConfig({
  base: '/ui/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Hashed file names under assets/ are cached forever; index.html is never cached.
    assetsDir: 'assets',
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:7070' } },
});
