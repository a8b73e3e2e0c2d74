import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); SLUICE_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env['SLUICE_CHROMIUM'] ?? '/usr/lib/chromium/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const uiRoot = fileURLToPath(new URL('../..', import.meta.url));
export const repoRoot = join(uiRoot, '..', '..');
/** Screenshots of the browser tests (git-ignored). */
export const SHOT_DIR = join(repoRoot, 'test-output', 'ui');

/**
 * Whether the browser tests can run. Without Chromium they print a SKIP line and register one skipped
 * test; under CI=true a missing Chromium is a failing test instead.
 */
export function browserAvailable(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `SKIP: ${what} needs Debian package chromium (${CHROMIUM} is missing; apt-get install chromium)`;
  if (process.env['CI'] === 'true') {
    test(`${what}: Chromium is installed (required under CI)`, () => assert.fail(message));
  } else {
    console.log(message);
    test(what, (t) => t.skip(message));
  }
  return false;
}

/** Builds the release center from source into a fresh folder, so a test never serves a stale build. */
export async function buildUi(): Promise<{ readonly dir: string; remove(): Promise<void> }> {
  const base = await mkdtemp(join(tmpdir(), 'sluice-ui-build-'));
  const dir = join(base, 'dist');
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'error'], { cwd: uiRoot, encoding: 'utf8' });
  assert.equal(result.status, 0, `vite build failed:\n${result.stdout}\n${result.stderr}`);
  assert.ok(existsSync(join(dir, 'index.html')), 'vite build wrote no index.html');
  return { dir, remove: () => rm(base, { recursive: true, force: true }) };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** A page that records uncaught errors and console errors, for asserting there were none. */
export async function newPage(browser: Browser, options: { width?: number; height?: number; dark?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 800 }, colorScheme: options.dark === true ? 'dark' : 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (msg) => {
    // A failed request the page reports itself (a 404 the test provokes) is not a page error.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(`console: ${msg.text()}`);
  });
  return { page, errors };
}

/** Saves a full-page screenshot as test-output/ui/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * A call of the control plane's API from a test (not through the page): GET without a body, else POST
 * as JSON (a body starting with "{") or YAML, as actor "oncall". Fails the test on a non-2xx answer.
 */
export async function api(url: string, path: string, body?: string): Promise<any> {
  const init = body === undefined ? {} : { method: 'POST', body, headers: { 'content-type': body.startsWith('{') ? 'application/json' : 'application/yaml', 'x-sluice-actor': 'oncall' } };
  const res = await fetch(`${url}/api/v1${path}`, init);
  const json = await res.json();
  assert.ok(res.status < 300, `${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Polls `probe` every 100 ms until it answers something, or fails the test after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The page a test opened: after the test, its screenshot is saved and it must have logged no error. */
export interface OpenedPage {
  page: Page;
  errors: string[];
}

/** Ends a test's page: a screenshot named `${prefix}-${the test's name}` (or the name alone), the context closed, no page errors. */
export async function finishPage(opened: OpenedPage | undefined, prefix: string, testName: string): Promise<void> {
  if (opened === undefined) return;
  const name = testName.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
  await screenshot(opened.page, prefix === '' ? name : `${prefix}-${name}`);
  await opened.page.context().close();
  assert.deepEqual(opened.errors, [], 'the page logged errors');
}
