import { defaultClientConditions, defineConfig } from 'vite';

/**
 * The release center is served by the control plane at /ui/ (packages/control-plane/src/http/ui-routes.ts).
 * `npx vite` in this folder serves it with hot reload and forwards /api to a control plane on :7070.
 */
export default defineConfig({
  base: '/ui/',
  // @sluice/cli/api-calls (the API calls shared with the CLI) is bundled from its TypeScript source.
  resolve: { conditions: ['sluice-source', ...defaultClientConditions] },
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
