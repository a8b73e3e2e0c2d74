import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { api, browserAvailable, repoRoot, screenshot, until, useReleaseCenter, type OpenOptions } from '../testing/browser.js';

// Two versions of the demo app run as local processes; the rollout waits at an approval by
// release-tester, then passes a point of no return and waits at an indefinite pause.
const SERVICE = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { run: { command: "node demo/app.js", env: { VERSION: v1 }, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 1s } }
    v2: { run: { command: "node demo/app.js", env: { VERSION: v2 }, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 1s } }
  stable: v1
`;
const ROLLOUT = `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    canary:
      steps:
        - setWeight: 10
        - pause: { duration: 12s }
        - setWeight: 30
        - approval: { approvers: [release-tester], message: "Check the dashboards" }
        - setWeight: 60
        - pointOfNoReturn: { reason: "the old schema is dropped" }
        - pause: {}
`;
const ACTOR = 'release-tester';
const APPROVAL_STEP = 3;



if (browserAvailable('release center: Rollout page')) {
  describe('release center: the Rollout page in Chromium (real control plane, processes and traffic)', () => {
    let sending = true;
    let traffic: Promise<void> = Promise.resolve();

    /** Steady traffic through the service's listener, so the charts and the guard have data. */
    function sendTraffic(proxy: string): void {
      traffic = (async () => {
        while (sending) {
          await Promise.all(Array.from({ length: 5 }, () => fetch(`http://${proxy}/`).then((r) => r.arrayBuffer()).catch(() => undefined)));
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
    }

    // Registered before the release center's: the traffic stops before the control plane closes.
    after(async () => {
      sending = false;
      await traffic;
    });
    const center = useReleaseCenter('rollout', {
      controlPlane: { cwd: repoRoot },
      setup: async (url) => {
        await api(url, '/apply', SERVICE);
        const proxy = await until('the proxy to listen', async () => (await api(url, '/services/shop')).traffic?.address as string | undefined);
        sendTraffic(proxy);
      },
      actor: ACTOR,
      live: true,
    });

    /** Opens the rollout's page as `actor` (ACTOR by default) and waits until it follows the event stream. */
    const open = (options: OpenOptions = {}): Promise<Page> => center.open('/ui/rollouts/shop-v2', options);

    const stepIndex = async (page: Page) => Number(await page.locator('[data-step-index]').getAttribute('data-step-index'));

    test('the page shows the rollout advancing, step by step and weight by weight, without a reload', async () => {
      await api(center.url, '/apply', ROLLOUT);
      const page = await open();
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
      const opened = await stepIndex(page);
      assert.ok(opened < APPROVAL_STEP, `the page opened before the approval step (at step index ${opened})`);
      await page.locator(`[data-step-index="${APPROVAL_STEP}"]`).waitFor({ timeout: 30_000 });
      await page.locator('[data-weight="30"]').waitFor();
      await page.locator(`.step[data-step="${APPROVAL_STEP}"][aria-current="step"]`).waitFor();
      assert.deepEqual(await page.locator('.step[data-state="done"]').evaluateAll((s) => s.map((x) => x.getAttribute('data-step'))), ['0', '1', '2']);
      await page.locator('.split[data-canary-percent="30"][data-stable-percent="70"]').waitFor();
      assert.match((await page.locator('[data-fact="waiting"]').textContent()) ?? '', /approv/i);
      // The timeline got the steps' events as they happened, grouped by step; the newest step is open.
      await page.locator(`.event-group[data-group="${APPROVAL_STEP}"][open] .event[data-type="StepStarted"]`).waitFor();
      const setWeight30 = page.locator('.event-group[data-group="2"]');
      assert.equal(await setWeight30.locator('.event').count(), 0, 'an older step is closed (its events not rendered)');
      await setWeight30.locator('summary').click();
      assert.match((await setWeight30.locator('.event[data-type="WeightChanged"]').first().textContent()) ?? '', /10 → 30/);
      assert.ok(Number(await page.locator('.timeline').getAttribute('data-events')) >= 6);
      assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'no reload');
      await page.locator('.rollout[data-ready="true"]').waitFor();
    });

    test('Cancel changes nothing, and the keyboard drives a dialog', async () => {
      const page = await open();
      const before = await api(center.url, '/rollouts/shop-v2');
      const approve = page.locator('button[data-action="approve"]');
      await approve.click();
      const dialog = page.getByRole('dialog', { name: 'Approve: shop-v2' });
      await dialog.waitFor();
      assert.match((await dialog.textContent()) ?? '', /records your approval, as release-tester, of step 4\/7 \(approval by release-tester\)/);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      // Keyboard: focus starts on Cancel, Escape closes, focus goes back to the button.
      await approve.focus();
      await page.keyboard.press('Enter');
      await dialog.waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
      await page.keyboard.press('Shift+Tab');
      assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), 'comment');
      await page.keyboard.type('typed but cancelled');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-action')), 'approve');
      const after = await api(center.url, '/rollouts/shop-v2');
      assert.deepEqual([after.version, after.status.stepIndex, after.status.stepState?.approval], [before.version, APPROVAL_STEP, undefined], 'cancel changed nothing');
    });

    test('an API error is shown to the user: approving as someone not among the approvers', async () => {
      const page = await open({ actor: 'intern' });
      await page.locator('button[data-action="approve"]').click();
      const dialog = page.getByRole('dialog', { name: 'Approve: shop-v2' });
      await dialog.getByRole('button', { name: 'Approve' }).click();
      const alert = dialog.getByRole('alert');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /FORBIDDEN/);
      await page.locator('[data-testid="notice-error"]').waitFor({ state: 'attached' });
      await screenshot(page, 'rollout-approve-forbidden');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal((await api(center.url, '/rollouts/shop-v2')).status.stepIndex, APPROVAL_STEP, 'a refused approval changes nothing');
    });

    test('approving with a comment through the dialog records who and why, and the rollout goes on', async () => {
      const page = await open();
      await page.locator('button[data-action="approve"]').click();
      const dialog = page.getByRole('dialog', { name: 'Approve: shop-v2' });
      await dialog.getByLabel('Comment (recorded with your approval)').fill('dashboards clean');
      await dialog.getByRole('button', { name: 'Approve' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.locator('[data-weight="60"]').waitFor({ timeout: 20_000 });
      const decisions = (await api(center.url, '/rollouts/shop-v2/decisions')).decisions as { type: string; actor: string; to: string; data: { by: string; comment: string; step: number } }[];
      const approval = decisions.find((d) => d.type === 'ApprovalRecorded');
      assert.ok(approval, 'an ApprovalRecorded decision');
      assert.deepEqual([approval.to, approval.actor, approval.data.by, approval.data.comment, approval.data.step], ['approved', ACTOR, ACTOR, 'dashboards clean', APPROVAL_STEP]);
      const row = page.locator('.decisions tr[data-type="ApprovalRecorded"]');
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /dashboards clean/);
      assert.match((await row.locator('td[data-label="Who"]').textContent()) ?? '', new RegExp(ACTOR));
    });

    test('abort past the point of no return: refused without force, then forced; traffic returns to stable', async () => {
      await until('the pause after the point of no return', async () => {
        const r = await api(center.url, '/rollouts/shop-v2');
        return r.status.phase === 'Paused' && r.status.pointOfNoReturn !== undefined ? r : undefined;
      });
      const page = await open();
      await page.locator('.ponr-note').waitFor();
      assert.equal(await page.locator('.step-ponr .ponr-badge').textContent(), 'point of no return — passed');
      await page.locator('.charts[data-metrics="ready"]').waitFor({ timeout: 20_000 });
      assert.ok(Number(await page.locator('.charts').getAttribute('data-canary-recent')) > 0, 'the canary serves requests before the abort');
      await page.locator('button[data-action="abort"]').click();
      const dialog = page.getByRole('dialog', { name: 'Abort: shop-v2' });
      assert.match((await dialog.textContent()) ?? '', /past its point of no return \(step 6: the old schema is dropped\)/);
      await dialog.getByLabel('Reason (recorded in the history)').fill('bad numbers');
      await dialog.getByRole('button', { name: 'Abort' }).click();
      await dialog.getByRole('alert').waitFor();
      assert.match((await dialog.getByRole('alert').textContent()) ?? '', /force/i);
      assert.equal((await api(center.url, '/rollouts/shop-v2')).status.phase, 'Paused', 'the refused abort changed nothing');
      await dialog.getByLabel('Force the abort past the point of no return').check();
      await dialog.getByRole('button', { name: 'Force abort' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.locator('.split[data-canary-percent="0"][data-stable-percent="100"]').waitFor({ timeout: 20_000 });
      await page.locator('[data-phase="Aborted"]').waitFor({ timeout: 20_000 });
      await page.locator('.charts[data-canary-recent="0"]').waitFor({ timeout: 20_000 });
      assert.ok(Number(await page.locator('.charts').getAttribute('data-stable-recent')) > 0, 'stable serves everyone');
      const done = await api(center.url, '/rollouts/shop-v2');
      assert.equal(done.status.phase, 'Aborted');
      assert.equal(await page.locator('button[data-action="abort"]').count(), 0, 'no abort button on an aborted rollout');
    });

    test('dark mode on a phone: readable, no sideways scrolling', async () => {
      const page = await open({ width: 390, height: 844, dark: true });
      await page.locator('.rollout[data-ready="true"]').waitFor();
      assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor), 'rgb(13, 17, 23)');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `no horizontal scrolling (page is ${width}px wide)`);
      assert.equal(await page.locator('.decisions thead').isVisible(), false, 'decisions are cards, not a table header');
      const canary = await page.locator('.split-canary').evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.equal(canary, 'rgb(251, 146, 60)', 'the dark palette');
    });
  });
}
