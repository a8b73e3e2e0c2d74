import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { variantAssigner, type ExperimentRow } from '@sluice/domain';
import { api, browserAvailable, useReleaseCenter } from '../testing/browser.js';

// A flag experiment: the treatment converts twice as often; page loads are the same (a guardrail).
const EXPERIMENTS = `apiVersion: sluice.dev/v1
kind: Experiment
metadata: { name: checkout-button }
spec:
  variants:
    - { name: control, weight: 50, flag: checkout-button, variation: grey }
    - { name: green, weight: 50, flag: checkout-button, variation: green }
  control: control
  primary: { name: purchase, event: checkout, kind: conversion, direction: increase, minimumDetectableEffect: 0.5 }
  guardrails:
    - { name: latency, event: page-load, kind: mean, direction: decrease, maxDegradation: 0.1 }
  minSamplesPerVariant: 100
---
apiVersion: sluice.dev/v1
kind: Experiment
metadata: { name: signup-copy }
spec:
  variants:
    - { name: control, weight: 50, flag: signup-copy, variation: long }
    - { name: short, weight: 50, flag: signup-copy, variation: short }
  control: control
  primary: { name: signup, event: signup, kind: conversion, direction: increase }
`;
const USERS = 3000;

/** Deterministic users: the treatment buys 1 in 5, the control 1 in 10; page loads 180–220 ms either way. */
function events(): { key: string; event: string; value?: number; experiment?: string }[] {
  const assign = variantAssigner({ name: 'checkout-button', control: 'control', variants: [{ name: 'control', weight: 50 }, { name: 'green', weight: 50 }] });
  const out: { key: string; event: string; value?: number; experiment?: string }[] = [];
  for (let i = 0; i < USERS; i++) {
    const key = `user-${i}`;
    out.push({ key, event: '$exposure', experiment: 'checkout-button' }, { key, event: 'page-load', value: 180 + ((i * 37) % 41) });
    if (i % (assign(key) === 'green' ? 5 : 10) === 0) out.push({ key, event: 'checkout', value: 1 });
  }
  return out;
}


// The test's own formatting of the API's numbers, to compare with what the page shows.
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const pp = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pp`;
const p4 = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

if (browserAvailable('release center: Experiments page')) {
  describe('release center: the Experiments page in Chromium', () => {
    const center = useReleaseCenter('experiments', {
      setup: async (url) => {
        await api(url, '/apply', EXPERIMENTS);
        const all = events();
        for (let i = 0; i < all.length; i += 1000) await api(url, '/events', JSON.stringify({ events: all.slice(i, i + 1000) }));
      },
    });
    const open = center.open;

    test('/ui/experiments lists every experiment with its phase, split, users and result', async () => {
      const page = await open('/ui/experiments');
      await page.locator('tr[data-experiment]').nth(1).waitFor();
      assert.deepEqual(await page.locator('tr[data-experiment]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-experiment'))), ['checkout-button', 'signup-copy']);
      const row = page.locator('tr[data-experiment="checkout-button"]');
      assert.equal(await row.locator('td[data-label="Users"]').textContent(), USERS.toLocaleString('en-US'));
      assert.equal(await row.locator('td[data-label="Variants"]').textContent(), 'control 50% / green 50%');
      assert.match((await row.locator('td[data-label="Result"]').textContent()) ?? '', /^winner green/);
      await row.getByRole('link', { name: 'checkout-button' }).click();
      await page.getByRole('heading', { name: 'checkout-button' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/ui/experiments/checkout-button');
    });

    test("an experiment's report: per variant and metric the value, difference with its interval, p-value, SRM and verdict", async () => {
      const view = await api(center.url, '/experiments/checkout-button');
      const row = (metric: string, variant: string): ExperimentRow => view.report.rows.find((r: ExperimentRow) => r.metric === metric && r.variant === variant);
      const page = await open('/ui/experiments/checkout-button');
      const purchase = page.locator('table[data-metric="purchase"]');
      await purchase.waitFor();
      const green = row('purchase', 'green');
      const cells = purchase.locator('tr[data-variant="green"]');
      const cell = async (label: string) => (await cells.locator(`td[data-label="${label}"]`).textContent()) ?? '';
      assert.equal(await cell('Value'), pct(green.value ?? NaN));
      assert.ok((green.value ?? 0) > 0.19 && (green.value ?? 0) < 0.21, 'the treatment converts about 1 in 5');
      assert.equal(await cell('Difference'), pp(green.diff ?? NaN));
      assert.equal(await cell('Interval (difference)'), `[${pp(green.ciLow ?? NaN)}, ${pp(green.ciHigh ?? NaN)}]`);
      assert.equal(await cell('p'), p4(green.pValue ?? NaN));
      assert.equal(await cell('Verdict'), 'better significant');
      assert.equal(await purchase.locator('tr[data-variant="control"] td[data-label="Value"]').textContent(), pct(row('purchase', 'control').value ?? NaN));
      const latency = page.locator('table[data-metric="latency"] tr[data-variant="green"]');
      assert.equal(await latency.locator('td[data-label="Verdict"] .verdict').textContent(), row('latency', 'green').verdict);
      // Sample ratio, users per variant, and the result.
      const srm = page.locator('.srm');
      assert.equal(await srm.getAttribute('data-flagged'), 'false');
      assert.match((await srm.textContent()) ?? '', new RegExp(`Sample ratio: ok χ² = .*, df = 1, p = ${p4(view.report.srm.p).replace('.', '\\.')}`));
      const users = view.report.variants.find((v: { name: string }) => v.name === 'green').exposures;
      assert.equal(await page.locator('.variant-table tr[data-variant="green"] td[data-label="Users"]').textContent(), users.toLocaleString('en-US'));
      assert.equal(await page.locator('[data-testid="winner"]').textContent(), 'green');
      assert.equal(view.report.winner, 'green');
    });

    test('Stop and Promote ask first; cancel changes nothing; confirm does what the dialog said', async () => {
      const page = await open('/ui/experiments/checkout-button');
      await page.getByRole('button', { name: 'Stop', exact: true }).click();
      const stop = page.getByRole('dialog', { name: 'Stop checkout-button?' });
      assert.match((await stop.textContent()) ?? '', /counts no more events.*now: winner, winner green/);
      await stop.getByRole('button', { name: 'Cancel' }).click();
      await stop.waitFor({ state: 'hidden' });
      assert.equal((await api(center.url, '/experiments/checkout-button')).status.phase, 'Running', 'cancel changed nothing');
      await page.getByRole('button', { name: 'Stop', exact: true }).click();
      await stop.getByLabel('Reason (recorded with the experiment)').fill('enough data');
      await stop.getByRole('button', { name: 'Stop checkout-button' }).click();
      await stop.waitFor({ state: 'hidden' });
      await page.locator('.phase-stopped').waitFor();
      const stopped = await api(center.url, '/experiments/checkout-button');
      assert.deepEqual([stopped.status.phase, stopped.status.reason, stopped.status.result.winner], ['Stopped', 'enough data', 'green']);
      assert.equal(await page.getByRole('button', { name: 'Stop', exact: true }).isDisabled(), true);
      // Promote: the winner by default; another variant needs the "promote anyway" box.
      await page.getByRole('button', { name: 'Promote', exact: true }).click();
      const promote = page.getByRole('dialog', { name: 'Promote checkout-button?' });
      await promote.getByLabel('Variant to promote').selectOption('control');
      await promote.getByRole('button', { name: 'Promote control' }).click();
      await promote.getByText('Tick the box to promote a variant that is not the winner.').waitFor();
      assert.equal((await api(center.url, '/experiments/checkout-button')).status.phase, 'Stopped', 'not promoted without the box');
      await promote.getByLabel('Variant to promote').selectOption('green');
      await promote.getByRole('button', { name: 'Promote green' }).click();
      await promote.waitFor({ state: 'hidden' });
      await page.locator('.phase-promoted').waitFor();
      const promoted = await api(center.url, '/experiments/checkout-button');
      assert.deepEqual([promoted.status.phase, promoted.status.promoted.variant, promoted.status.promoted.forced], ['Promoted', 'green', false]);
    });

    test('phone, dark mode: the report tables become cards, no sideways scrolling', async () => {
      const page = await open('/ui/experiments/checkout-button', { width: 390, height: 844, dark: true });
      await page.locator('table[data-metric="purchase"]').waitFor();
      assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor), 'rgb(13, 17, 23)');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `no horizontal scrolling (page is ${width}px wide)`);
      assert.equal(await page.locator('table[data-metric="purchase"] thead').isVisible(), false, 'cards, not a table header');
    });
  });
}
