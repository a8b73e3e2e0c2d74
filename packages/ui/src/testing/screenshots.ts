// `npm run screenshots`: starts Sluice with a demo release — two versions of demo/app.js under real
// traffic, a canary that waits for an approval, the demo flags — opens each page of the release
// center in Chromium and saves docs/screenshots/*.png, the images README.md and docs/ui.md show.
// Nothing here is drawn by hand: run it again after a UI change.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type RunningControlPlane } from '@sluice/control-plane';
import type { Browser } from 'playwright-core';
import { buildUi, CHROMIUM, launchChromium, repoRoot } from './browser.js';

const OUT = join(repoRoot, 'docs', 'screenshots');

const RELEASE = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  stickiness: { header: x-user-id }
  versions:
    v1: { run: { command: "node demo/app.js", env: { VERSION: v1 }, replicas: 2, readiness: { path: /healthz, interval: 200ms } } }
    v2: { run: { command: "node demo/app.js", env: { VERSION: v2, LATENCY_MS: "15" }, replicas: 2, readiness: { path: /healthz, interval: 200ms } } }
  stable: v1
---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    canary:
      steps:
        - setWeight: 5
        - pause: { duration: 8s }
        - setHeaderRoute: { name: testers, match: [ { header: x-tester, exact: "1" } ] }
        - setWeight: 20
        - pause: { duration: 8s }
        - approval: { approvers: [release-manager], message: "Error rate and p99 of v2 look like v1's? Approve to go to 50 %." }
        - setWeight: 50
        - pause: {}
`;

/** Pages to capture: file name, path, the viewport (phone pages in dark mode) and whether the whole page. */
const SHOTS: readonly { readonly name: string; readonly path: string; readonly phone?: boolean; readonly full?: boolean }[] = [
  { name: 'releases', path: '/ui/' },
  { name: 'rollout', path: '/ui/rollouts/shop-v2', full: true },
  { name: 'service-history', path: '/ui/services/shop' },
  { name: 'flags', path: '/ui/flags?env=production' },
  { name: 'audit', path: '/ui/audit' },
  { name: 'rollout-phone-dark', path: '/ui/rollouts/shop-v2', phone: true },
];

async function api(url: string, path: string, body?: string): Promise<any> {
  const init = body === undefined ? {} : { method: 'POST', body, headers: { 'content-type': 'application/yaml', 'x-sluice-actor': 'demo' } };
  const res = await fetch(`${url}/api/v1${path}`, init);
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** ~40 requests/s from 200 users (a few testers) until stopped, so the charts have data. */
function sendTraffic(address: string): () => Promise<void> {
  let running = true;
  const loop = async (worker: number) => {
    for (let i = 0; running; i++) {
      const user = `user-${(worker * 50 + i) % 200}`;
      await fetch(`http://${address}/`, { headers: { 'x-user-id': user, ...(i % 20 === 0 ? { 'x-tester': '1' } : {}) } }).then((r) => r.arrayBuffer(), () => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const loops = [0, 1, 2, 3].map(loop);
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}

async function capture(browser: Browser, url: string): Promise<void> {
  await mkdir(OUT, { recursive: true });
  for (const shot of SHOTS) {
    const context = await browser.newContext({ viewport: shot.phone === true ? { width: 390, height: 844 } : { width: 1280, height: 860 }, colorScheme: shot.phone === true ? 'dark' : 'light', deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${url}${shot.path}`);
    await page.locator('main h1').first().waitFor({ timeout: 15_000 });
    // Live pages: let the first data and a chart refresh arrive.
    await page.locator('[data-ready="true"]').first().waitFor({ timeout: 5_000 }).catch(() => undefined);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(OUT, `${shot.name}.png`), fullPage: shot.full === true });
    console.log(`docs/screenshots/${shot.name}.png`);
    await context.close();
  }
}

async function main(): Promise<void> {
  const ui = await buildUi();
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-screenshots-'));
  let cp: RunningControlPlane | undefined;
  let stopTraffic: (() => Promise<void>) | undefined;
  const browser = await launchChromium().catch((error: unknown) => {
    throw new Error(`screenshots need Debian's chromium at ${CHROMIUM}: ${String(error)}`);
  });
  try {
    cp = await startControlPlane({ dataDir, listen: '127.0.0.1:0', uiDir: ui.dir, cwd: repoRoot, log: () => undefined, pollMs: 200 });
    await api(cp.url, '/apply', await readFile(join(repoRoot, 'demo', 'flags.yaml'), 'utf8'));
    await api(cp.url, '/apply', RELEASE);
    const url = cp.url;
    const address = await until('the shop listener', async () => (await api(url, '/services/shop')).traffic?.address as string | undefined);
    stopTraffic = sendTraffic(address);
    await until('the approval step', async () => ((await api(url, '/rollouts/shop-v2')).steps?.find((s: { kind: string; state: string }) => s.kind === 'approval' && s.state === 'current') ? true : undefined));
    await new Promise((r) => setTimeout(r, 4000));
    await capture(browser, url);
  } finally {
    await stopTraffic?.();
    await browser.close();
    await cp?.close();
    await rm(dataDir, { recursive: true, force: true });
    await ui.remove();
  }
}

await main();
