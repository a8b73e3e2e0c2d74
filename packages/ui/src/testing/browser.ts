import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, test } from 'node:test';
import { startControlPlane, type ControlPlaneOptions, type RunningControlPlane } from '@sluice/control-plane';
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

/** How a release-center test opens a page: the viewport, the colour scheme, who acts, whether to wait for the live stream. */
export interface OpenOptions {
  width?: number;
  height?: number;
  dark?: boolean;
  /** Typed into "Acting as" once the page loaded; the release center's `actor` when not given, else left alone. */
  actor?: string;
  /** Wait until the page follows the server's stream (`.live-live`); the release center's `live` when not given. */
  live?: boolean;
}

export interface ReleaseCenterOptions {
  /** More options of startControlPlane (cwd, clock, auth, pollMs…) beside the temporary data dir, port 0, a quiet log and the fresh UI build. */
  controlPlane?: Omit<ControlPlaneOptions, 'dataDir' | 'listen' | 'uiDir'>;
  /** Runs once the control plane listens, before Chromium starts: apply specs, send events, wait for readiness. */
  setup?: (url: string) => Promise<void>;
  /** Who every opened page acts as ("Acting as"), unless open() says otherwise. */
  actor?: string;
  /** Whether open() waits for the live stream unless it says otherwise (default false). */
  live?: boolean;
}

export interface ReleaseCenter {
  /** The control plane's base URL (once the before hook ran). */
  readonly url: string;
  /** Opens `path` (e.g. /ui/flags) in a new page, which is screenshotted, closed and checked for errors after the test. */
  open(path: string, options?: OpenOptions): Promise<Page>;
}

/**
 * The scaffolding of a release-center browser test, called inside a describe: before, the UI is built,
 * a control plane serves it over a temporary data dir (then `setup` runs) and Chromium starts; after
 * each test its page is finished (screenshot `${prefix}-${test name}`, no page errors); after all,
 * everything is closed and removed.
 */
export function useReleaseCenter(prefix: string, options: ReleaseCenterOptions = {}): ReleaseCenter {
  let ui: Awaited<ReturnType<typeof buildUi>> | undefined;
  let data = '';
  let cp: RunningControlPlane | undefined;
  let browser: Browser | undefined;
  let current: OpenedPage | undefined;
  before(async () => {
    ui = await buildUi();
    data = await mkdtemp(join(tmpdir(), `sluice-ui-${prefix === '' ? 'test' : prefix}-`));
    cp = await startControlPlane({ log: () => {}, ...options.controlPlane, dataDir: data, listen: '127.0.0.1:0', uiDir: ui.dir });
    await options.setup?.(cp.url);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await cp?.close();
    if (data !== '') await rm(data, { recursive: true, force: true });
    await ui?.remove();
  });
  afterEach(async (t) => {
    const opened = current;
    current = undefined;
    await finishPage(opened, prefix, t.name);
  });
  const url = (): string => {
    if (cp === undefined) throw new Error('the control plane has not started: use the URL inside a hook or a test');
    return cp.url;
  };
  return {
    get url() {
      return url();
    },
    async open(path, openOptions = {}) {
      if (browser === undefined) throw new Error('Chromium has not started: open pages inside a test');
      current = await newPage(browser, openOptions);
      const { page } = current;
      await page.goto(`${url()}${path}`);
      const actor = openOptions.actor ?? options.actor;
      if (actor !== undefined) {
        await page.getByLabel('Acting as').fill(actor);
        await page.getByLabel('Acting as').press('Tab');
      }
      if (openOptions.live ?? options.live ?? false) await page.locator('.live-live').waitFor();
      return page;
    },
  };
}
