import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultUiDir, resolveUiPath, uiRoutes } from './ui-routes.js';

describe('the release center at /ui/', () => {
  let base = '';
  let dist = '';
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'sluice-ui-'));
    dist = join(base, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dist, 'assets', 'index-abc123.css'), 'body{}');
    await writeFile(join(dist, '.env'), 'hidden');
    await writeFile(join(base, 'secret.txt'), 'SECRET');
  });
  after(() => rm(base, { recursive: true, force: true }));

  test('index.html for /ui/, revalidated, with a content security policy', async () => {
    const res = await uiRoutes(dist).request('/ui/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(await res.text(), '<!doctype html><title>app</title>');
  });

  test('hashed assets with their content type, cached for good; 304 on a matching ETag', async () => {
    const app = uiRoutes(dist);
    const js = await app.request('/ui/assets/index-abc123.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(js.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await js.text(), 'console.log(1)');
    const css = await app.request('/ui/assets/index-abc123.css');
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    const etag = js.headers.get('etag') ?? '';
    assert.match(etag, /^W\/"/);
    const again = await app.request('/ui/assets/index-abc123.js', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
  });

  test('any other /ui/ path is a page of the app (index.html); a missing asset is 404', async () => {
    const app = uiRoutes(dist);
    for (const path of ['/ui/flags', '/ui/flags/new-checkout?env=staging', '/ui/flags/a.b']) {
      const res = await app.request(path);
      assert.equal(res.status, 200, path);
      assert.equal(await res.text(), '<!doctype html><title>app</title>', path);
    }
    const missing = await app.request('/ui/assets/index-old.js');
    assert.equal(missing.status, 404);
  });

  test('no path leaves the build folder, and dot files are not served', async () => {
    const app = uiRoutes(dist);
    for (const path of ['/ui/%2e%2e/secret.txt', '/ui/..%2fsecret.txt', '/ui/%2e%2e%2fsecret.txt', '/ui/..%5csecret.txt', '/ui/.env', '/ui/assets/%00x', '/ui/%E0%A4%A']) {
      const res = await app.request(`http://localhost${path}`);
      // 400 from the check, or 404 where the URL parser already folded `%2e%2e` away: never the file.
      assert.ok(res.status === 400 || res.status === 404, `${path}: ${res.status}`);
      assert.doesNotMatch(await res.text(), /SECRET|hidden/, path);
    }
    assert.equal(resolveUiPath(dist, '..%2f..%2fetc%2fpasswd'), undefined);
    assert.equal(resolveUiPath(dist, 'assets/x.js'), join(dist, 'assets', 'x.js'));
  });

  test('/ and /ui redirect to /ui/', async () => {
    const app = uiRoutes(dist);
    const root = await app.request('/');
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/ui/');
    const bare = await app.request('/ui?env=staging');
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get('location'), '/ui/?env=staging');
  });

  test('without a build, 503 and what to run', async () => {
    const res = await uiRoutes(join(base, 'nothing-here')).request('/ui/flags');
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(await res.text(), /npm run build/);
  });

  test('the default folder is packages/ui/dist', () => {
    assert.ok(defaultUiDir().endsWith(['', 'packages', 'ui', 'dist'].join(sep)), defaultUiDir());
  });
});
