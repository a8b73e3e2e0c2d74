// The SDK must run in browsers: bundle it for the browser and check nothing from Node is left.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { build } from 'esbuild';

const LIMIT_BYTES = 60 * 1024;

async function bundle(entry: string): Promise<{ code: string; bytes: number }> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['sluice-source'],
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  assert.ok(file, 'esbuild produced a file');
  return { code: file.text, bytes: file.contents.byteLength };
}

describe('browser bundle', () => {
  it(`bundles src/index.ts for the browser with no node: imports, under ${LIMIT_BYTES / 1024} KB minified`, async () => {
    const { code, bytes } = await bundle('./index.ts');
    console.log(`@sluice/sdk browser bundle: ${(bytes / 1024).toFixed(1)} KB minified`);
    assert.doesNotMatch(code, /["']node:[a-z]/, 'no node: specifier left');
    assert.doesNotMatch(code, /\brequire\(/, 'no CommonJS require left');
    assert.ok(bytes < LIMIT_BYTES, `${bytes} bytes is over the ${LIMIT_BYTES} limit`);
  });

  it('bundles the OpenFeature web provider for the browser', async () => {
    const { code, bytes } = await bundle('./openfeature/web-provider.ts');
    console.log(`@sluice/sdk/openfeature-web browser bundle (with @openfeature/web-sdk): ${(bytes / 1024).toFixed(1)} KB minified`);
    assert.doesNotMatch(code, /["']node:[a-z]/);
  });
});
