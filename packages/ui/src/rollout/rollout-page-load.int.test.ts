// The Rollout page's load time with a long rollout behind it: 1,000 events (and 300 decisions) and 30 minutes of
// per-second metrics for stable and canary (issue 10 asks for ≤ 1 s). Measured in Chromium and
// reported as a figure (printed and written to test-output/ui/rollout-page-load.json), never
// asserted as a timing: the machines are shared. What is asserted is that the page rendered all of it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore, startControlPlane, type MetricSample } from '@sluice/control-plane';
import type { NewReleaseEvent } from '@sluice/domain';
import type { Browser } from 'playwright-core';
import { browserAvailable, buildUi, launchChromium, newPage, repoRoot, screenshot, SHOT_DIR } from '../testing/browser.js';

const MINUTES = 30;
const SECONDS = MINUTES * 60;
const EVENTS = 1000;
const DECISIONS = 300;
const RUNS = 5;

// Fixed upstreams (nothing listens there): the page only reads what the store holds.
const SPEC = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: ["http://127.0.0.1:9"] }
    v2: { upstreams: ["http://127.0.0.1:9"] }
  stable: v1
---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  guard: { conditions: [] }
  strategy:
    canary:
      steps:
        - setWeight: 10
        - pause: {}
`;

/** Steady traffic: stable 80 req/s, canary 20 req/s with 2 % errors, latencies with some texture. */
function samples(from: number): MetricSample[] {
  const out: MetricSample[] = [];
  const start = Math.ceil(from / 1000) * 1000;
  for (let i = 0; i < SECONDS; i++) {
    const at = start + i * 1000;
    const wave = 1 + 0.15 * Math.sin(i / 30);
    out.push({ service: 'shop', version: 'v1', at, requests: 80, errors: i % 50 === 0 ? 1 : 0, p50Ms: 12 * wave, p99Ms: 90 * wave });
    out.push({ service: 'shop', version: 'v2', at, requests: 20, errors: i % 5 === 0 ? 2 : 0, p50Ms: 14 * wave, p99Ms: 120 * wave });
  }
  return out;
}

/**
 * A rollout's worth of history: 1,000 timeline events (weight changes, commands, route changes) and,
 * beside them, 300 measurements with their evidence for the decision log.
 */
function events(from: number): NewReleaseEvent[] {
  const base = { actor: 'controller', service: 'shop', subject: { kind: 'Rollout' as const, name: 'shop-v2' } };
  const timeline = Array.from({ length: EVENTS }, (_, i): NewReleaseEvent => {
    const at = from + 5_000 + i * 1_500;
    if (i % 3 === 0) return { ...base, at, type: 'WeightChanged', from: `${i % 10}`, to: `${(i % 10) + 1}`, reason: `weight step ${i}` };
    if (i % 3 === 1) return { ...base, at, actor: 'oncall', type: 'CommandAccepted', to: 'promote', reason: `Promote requested (${i})` };
    return { ...base, at, type: 'RouteChanged', from: 'none', to: `testers ${i}`, reason: `route testers changed (${i})` };
  });
  const measurements = Array.from({ length: DECISIONS }, (_, i): NewReleaseEvent => {
    const at = from + 6_000 + i * 5_000;
    const record = { source: 'background', step: 1, metric: 'health/errors', provider: 'builtin', judge: 'errorRate', window: { fromMs: at - 60_000, toMs: at }, queries: { canary: 'error-rate' }, result: 'pass', rule: 'canary ≤ stable × 2', reason: `measurement ${i}`, canary: { n: 1200, errors: 24, value: 0.02 }, stable: { n: 4800, errors: 96, value: 0.02 }, pValue: 0.5 };
    return { ...base, at, type: 'AnalysisMeasured', to: 'pass', reason: `errors: pass (${i})`, data: record };
  });
  return [...timeline, ...measurements].sort((a, b) => a.at - b.at);
}

if (browserAvailable('release center: Rollout page load')) {
  describe('release center: the Rollout page with 1,000 events and 30 minutes of per-second metrics', () => {
    let browser: Browser;
    let ui: Awaited<ReturnType<typeof buildUi>>;
    let dataDir = '';

    before(async () => {
      ui = await buildUi();
      browser = await launchChromium();
      dataDir = await mkdtemp(join(tmpdir(), 'sluice-ui-load-'));
      // The rollout starts 31 minutes ago (an injected clock), so its history fits behind it.
      const started = Date.now() - (MINUTES + 1) * 60_000;
      const first = await startControlPlane({ dataDir, listen: '127.0.0.1:0', uiDir: ui.dir, cwd: repoRoot, log: () => undefined, clock: { now: () => started }, applyFiles: [] });
      const res = await fetch(`${first.url}/api/v1/apply`, { method: 'POST', body: SPEC, headers: { 'content-type': 'application/yaml' } });
      assert.equal(res.status, 200, await res.text());
      await first.close();
      const store = await openStore({ dataDir });
      await store.events.append(events(started));
      await store.metricSamples.append(samples(started));
      await store.close();
    });

    after(async () => {
      await browser?.close();
      await ui?.remove();
      if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
    });

    test('renders every event and 1,800 points per series; the load time is reported', async () => {
      const cp = await startControlPlane({ dataDir, listen: '127.0.0.1:0', uiDir: ui.dir, cwd: repoRoot, log: () => undefined });
      try {
        const timings: number[] = [];
        for (let run = 0; run < RUNS; run++) {
          const { page, errors } = await newPage(browser);
          if (process.env['SLUICE_LOAD_DEBUG'] === '1') await page.addInitScript(() => { (window as any).__long = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) (window as any).__long.push(`${Math.round(e.startTime)}+${Math.round(e.duration)}`); }).observe({ type: 'longtask', buffered: true }); });
          await page.goto(`${cp.url}/ui/rollouts/shop-v2`);
          await page.locator('[data-ready="true"]').waitFor({ timeout: 30_000 });
          // From the start of navigation to the commit that rendered it all (the page's own mark).
          timings.push(await page.evaluate(() => performance.getEntriesByName('sluice:rollout-ready')[0]?.startTime ?? Number.NaN));
          if (process.env['SLUICE_LOAD_DEBUG'] === '1') console.log(JSON.stringify(await page.evaluate(() => [Math.round(performance.getEntriesByType('navigation')[0]?.duration ?? 0), ...(window as any).__long, ...performance.getEntriesByType('resource').map((e) => `${e.name.replace(location.origin, '')} ${Math.round(e.startTime)}→${Math.round(e.startTime + e.duration)}`)])));
          const shown = Number(await page.locator('[data-events]').getAttribute('data-events'));
          assert.ok(shown >= EVENTS, `the timeline holds every event (${shown})`);
          const decisions = Number(await page.locator('[data-decisions]').getAttribute('data-decisions'));
          assert.ok(decisions >= DECISIONS, `the decision log holds every measurement (${decisions})`);
          const points = Number(await page.locator('[data-metrics="ready"]').getAttribute('data-points'));
          assert.ok(points >= SECONDS, `the charts hold 30 minutes of seconds (${points})`);
          assert.equal(await page.locator('[data-chart] canvas').count() >= 3, true, 'three charts drawn');
          assert.deepEqual(errors, []);
          if (run === RUNS - 1) await screenshot(page, 'rollout-page-load');
          await page.context().close();
        }
        const sorted = [...timings].sort((a, b) => a - b);
        const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
        const figure = { events: EVENTS, decisions: DECISIONS, metricSeconds: SECONDS, series: 2, runs: RUNS, firstLoadMs: Math.round(timings[0] ?? NaN), medianLoadMs: Math.round(median), maxLoadMs: Math.round(sorted.at(-1) ?? NaN) };
        await mkdir(SHOT_DIR, { recursive: true });
        await writeFile(join(SHOT_DIR, 'rollout-page-load.json'), `${JSON.stringify(figure)}\n`);
        console.log(`# rollout page load (navigation start → rendered), ${EVENTS} events + ${DECISIONS} decisions + ${SECONDS} s × 2 versions: first ${figure.firstLoadMs} ms, median ${figure.medianLoadMs} ms of ${RUNS} (target ≤ 1000 ms; reported, not asserted)`);
      } finally {
        await cp.close();
      }
    });
  });
}
