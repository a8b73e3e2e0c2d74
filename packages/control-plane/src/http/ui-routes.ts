import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';

/** Where the release center is served: the SPA built by packages/ui (vite `base`). */
export const UI_PREFIX = '/ui/';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** Vite's content-hashed files: a new build gets new names, so they may be cached for good. */
const HASHED_DIR = 'assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page itself is revalidated every time, so a new build is picked up on the next load. */
const REVALIDATE = 'no-cache';
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * packages/ui/dist, found from this module: the control plane runs from packages/control-plane/src/http
 * (tsx) or packages/control-plane/dist/http (built), both two folders below the package.
 */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../../ui/dist', import.meta.url));
}

/**
 * The file under `dir` that the (still percent-encoded) path after /ui/ names, or undefined when the
 * path is malformed or tries to leave `dir` (`..`, encoded slashes, backslashes, NUL, dot files).
 */
export function resolveUiPath(dir: string, encoded: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) return undefined;
  const root = resolve(dir);
  const file = resolve(root, ...segments);
  return file === root || file.startsWith(root + sep) ? file : undefined;
}

async function fileInfo(path: string): Promise<{ size: number; mtimeMs: number } | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? { size: s.size, mtimeMs: s.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

async function sendFile(c: Context, path: string, info: { size: number; mtimeMs: number }, cache: string): Promise<Response> {
  const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = { 'content-type': type, 'cache-control': cache, etag, 'x-content-type-options': 'nosniff', ...(type.startsWith('text/html') ? PAGE_HEADERS : {}) };
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
  return c.body(new Uint8Array(await readFile(path)), 200, headers);
}

function notBuilt(c: Context, dir: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sluice release center: not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>The release center is not built yet</h1>
<p>This control plane serves the web UI from <code>${escapeHtml(dir)}</code>, which has no <code>index.html</code>.</p>
<p>Run <code>npm run build</code> in the Sluice repository (<code>npm start</code> builds it too), then reload this page.</p>
<p>The API works meanwhile: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
</body></html>`;
  return c.html(html, 503, { 'cache-control': 'no-store', 'retry-after': '5' });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * GET /ui/* serves the release center from `dir`: its files with their content types, hashed assets
 * cached for good and index.html revalidated, and index.html for any other path (the app routes it).
 * GET /ui and GET / redirect to /ui/. Without a build, /ui/ answers 503 with what to run.
 */
export function uiRoutes(dir: string): Hono {
  const app = new Hono();
  app.get('/', (c) => c.redirect(UI_PREFIX, 302));
  app.get('/ui', (c) => c.redirect(`${UI_PREFIX}${new URL(c.req.url).search}`, 301));
  app.get(`${UI_PREFIX}*`, async (c) => {
    const index = resolve(dir, 'index.html');
    const indexInfo = await fileInfo(index);
    if (indexInfo === undefined) return notBuilt(c, dir);
    const rest = new URL(c.req.url).pathname.slice(UI_PREFIX.length);
    const path = resolveUiPath(dir, rest);
    if (path === undefined) return c.text('Bad path', 400, { 'cache-control': 'no-store' });
    const info = await fileInfo(path);
    if (info !== undefined) return sendFile(c, path, info, rest.startsWith(HASHED_DIR) ? IMMUTABLE : REVALIDATE);
    // A missing asset is an error (an old page asking for a file a new build replaced); any other path is a page of the app.
    if (rest.startsWith(HASHED_DIR)) return c.text('Not found', 404, { 'cache-control': 'no-store' });
    return sendFile(c, index, indexInfo, REVALIDATE);
  });
  return app;
}
