import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { api, browserAvailable, repoRoot, screenshot, until, useReleaseCenter } from '../testing/browser.js';

/** A demo-app version run as a local process (`node demo/app.js` from the repository's root). */
const version = (v: string) => `{ run: { command: "node demo/app.js", env: { VERSION: ${v} }, replicas: 1, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 1s } }`;
const service = (name: string, versions: readonly string[], extra = '') => `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: ${name} }
spec:
  listen: 127.0.0.1:0
  stickiness: { header: x-user-id }
  versions:
${versions.map((v) => `    ${v}: ${version(v)}`).join('\n')}
  stable: v1
${extra}`;
const SERVICES = `${service('shop', ['v1', 'v2'])}---\n${service('cart', ['v1'])}`;
// Short timed pauses, so the page has to follow each step as it happens.
const ROLLOUT = `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  exposureBudget: { maxRequests: 1000 }
  strategy:
    canary:
      steps: [ { setWeight: 20 }, { pause: { duration: 2s } }, { setWeight: 50 }, { pause: { duration: 2s } }, { setWeight: 80 }, { pause: { duration: 2s } } ]
`;
const ACTOR = 'ui-tester';



const readyCount = (s: any, v: string): number => s.workloads?.find((w: any) => w.version === v)?.readyEndpoints.length ?? 0;
const texts = (page: Page, selector: string) => page.locator(selector).evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''));

if (browserAvailable('release center: Releases, Service history and Audit log pages')) {
  describe('release center: Releases, Service history and Audit log in Chromium', () => {
    // The versions run `node demo/app.js` from the repository's root; pages open as ACTOR and wait until they follow the event stream.
    const center = useReleaseCenter('releases', {
      controlPlane: { cwd: repoRoot },
      setup: async (url) => {
        await api(url, '/apply', SERVICES);
        await until('shop and cart ready on v1', async () => {
          const items = (await api(url, '/services')).items as any[];
          return items.length === 2 && items.every((s) => readyCount(s, 'v1') === 1 && s.traffic !== undefined) ? true : undefined;
        });
      },
      actor: ACTOR,
      live: true,
    });
    const open = center.open;
    const row = (page: Page, name: string) => page.locator(`tr[data-service="${name}"]`);

    test('/ui/: every service with its stable version, no rollout yet, healthy', async () => {
      const page = await open('/ui/');
      await row(page, 'shop').waitFor();
      assert.deepEqual(await page.locator('tr[data-service]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service'))), ['cart', 'shop']);
      assert.equal(await row(page, 'shop').locator('[data-stable]').textContent(), 'v1');
      assert.match((await row(page, 'shop').locator('td[data-label="Rollout"]').textContent()) ?? '', /No rollout in progress/);
      assert.deepEqual(await texts(page, 'tr[data-service="shop"] [data-signal]'), ['Healthy: No hold, no guard breach, no failing analysis, and every instance is ready']);
      assert.match((await page.locator('.summary').textContent()) ?? '', /2 services, 0 rollouts in progress/);
      const link = row(page, 'shop').getByRole('link', { name: 'shop', exact: true });
      assert.equal(await link.getAttribute('href'), '/ui/services/shop');
    });

    test('a rollout advances live: phase, step n/N and weight change without a reload, then v2 is stable', async () => {
      const page = await open('/ui/releases');
      await row(page, 'shop').waitFor();
      await page.evaluate(() => ((window as any).sameDocument = true));
      await api(center.url, '/apply', ROLLOUT);
      const shop = row(page, 'shop');
      await shop.locator('a[href="/ui/rollouts/shop-v2"]').waitFor();
      await screenshot(page, 'releases-rollout-in-progress');
      // Each weight and step as the controller reaches it (a pause lasts 2 s, the fallback refresh is 5 s: the stream shows them).
      for (const [weight, step] of [[20, 'step 2/6'], [50, 'step 4/6'], [80, 'step 6/6']] as const) {
        await shop.locator(`[data-weight="${weight}"]`).waitFor();
        await shop.locator(`[data-step="${step}"]`).waitFor();
        await shop.locator('[data-phase="Paused"]').waitFor();
        assert.match((await shop.locator('.rel-exposure').textContent()) ?? '', /requests\s*0\s*\/\s*1,000/, 'exposure against the budget');
      }
      assert.match((await page.locator('.summary').textContent()) ?? '', /1 rollout in progress/);
      await shop.locator('[data-stable="v2"]').waitFor({ timeout: 20_000 });
      await shop.locator('[data-phase="Succeeded"]').waitFor();
      assert.match((await shop.locator('td[data-label="Rollout"]').textContent()) ?? '', /No rollout in progress\s*last: shop-v2\s*Succeeded/);
      assert.equal(await page.evaluate(() => (window as any).sameDocument), true, 'the page was never reloaded');
      assert.equal((await api(center.url, '/services/shop')).status.stable, 'v2');
    });

    test('filters: text search, active only and phase, kept in the URL', async () => {
      const page = await open('/ui/');
      await row(page, 'shop').waitFor();
      await page.getByRole('searchbox', { name: 'Search' }).fill('car');
      await row(page, 'shop').waitFor({ state: 'detached' });
      assert.deepEqual(await page.locator('tr[data-service]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service'))), ['cart']);
      assert.equal(new URL(page.url()).searchParams.get('q'), 'car');
      await page.getByRole('searchbox', { name: 'Search' }).fill('');
      await page.getByLabel('Phase').selectOption('Succeeded');
      await row(page, 'cart').waitFor({ state: 'detached' });
      assert.deepEqual(await page.locator('tr[data-service]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-service'))), ['shop']);
      assert.equal(new URL(page.url()).searchParams.get('phase'), 'Succeeded');
      await page.getByLabel('Active rollouts only').check();
      await page.getByRole('status').filter({ hasText: 'No service matches these filters' }).waitFor();
      assert.equal(new URL(page.url()).searchParams.get('active'), '1');
      // A shared link shows the same view.
      await page.goto(`${center.url}/ui/?q=shop`);
      await row(page, 'shop').waitFor();
      assert.equal(await row(page, 'cart').count(), 0);
      assert.equal(await page.getByRole('searchbox', { name: 'Search' }).inputValue(), 'shop');
    });

    test('service history: revisions with the rollout that made them; Undo through the dialog (Cancel changes nothing)', async () => {
      const page = await open('/ui/');
      await row(page, 'shop').getByRole('link', { name: 'shop', exact: true }).click();
      await page.getByRole('heading', { name: 'Revisions' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/ui/services/shop');
      await until('v1 still ready', async () => (readyCount(await api(center.url, '/services/shop'), 'v1') === 1 ? true : undefined));
      const revisions = page.locator('li[data-revision]');
      await page.locator('li[data-revision="2"][data-current="true"]').waitFor();
      assert.deepEqual(await revisions.evaluateAll((items) => items.map((i) => i.getAttribute('data-revision'))), ['2', '1']);
      assert.match((await page.locator('li[data-revision="2"] .rel-revision-outcome').textContent()) ?? '', /promoted by rollout shop-v2 \(shop-v2 Succeeded canary, 6 steps\)/);
      assert.match((await page.locator('li[data-revision="1"] .rel-revision-outcome').textContent()) ?? '', /service created/);
      const undo = page.getByRole('button', { name: 'Undo to revision 1' });
      await page.locator('li[data-revision="1"] button:not([disabled])').waitFor();

      await undo.click();
      const dialog = page.getByRole('dialog', { name: 'Undo shop to revision 1?' });
      await dialog.waitFor();
      const text = (await dialog.textContent()) ?? '';
      assert.match(text, /v1 becomes the stable version of shop again, at once: the data plane sends 100 % of its traffic to v1 in one update, without analysis/);
      assert.match(text, /Now v2 serves everyone \(revision 2\)/);
      assert.match(text, /new revision 3 \(undo to revision 1\)/);
      assert.match(text, /sluice undo shop --to-revision 2/);
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'focus starts on Cancel');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.deepEqual((await api(center.url, '/services/shop')).status, { stable: 'v2', revision: 2 }, 'cancel changed nothing');

      await undo.click();
      await dialog.getByRole('button', { name: 'Undo to revision 1 (v1)' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.locator('li[data-revision="3"][data-current="true"]').waitFor();
      assert.match((await page.locator('li[data-revision="3"]').textContent()) ?? '', /v1.*by ui-tester.*undo to revision 1/);
      await page.locator('.rel-service-state [data-stable="v1"]').waitFor();
      const after = await api(center.url, '/services/shop');
      assert.deepEqual(after.status, { stable: 'v1', revision: 3 });
      const newest = (await api(center.url, '/services/shop/revisions')).items.at(-1);
      assert.deepEqual([newest.number, newest.actor, newest.outcome, newest.undoneTo], [3, ACTOR, 'undone-to', 1]);
      // The current revision has no Undo; the one it replaced says why it cannot be undone to if so.
      assert.equal(await page.locator('li[data-revision="3"] button').count(), 0);
    });

    test('the audit log lists the actions with their actors, filters by actor and type, and shows new events live', async () => {
      const page = await open('/ui/audit');
      const rows = page.locator('tr[data-seq]');
      await rows.first().waitFor();
      const seqs = (await rows.evaluateAll((r) => r.map((x) => Number(x.getAttribute('data-seq'))))) as number[];
      assert.ok(seqs.length > 5, `events listed: ${seqs.length}`);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), 'newest first');
      const all = (await api(center.url, '/events?limit=10000')).items as any[];
      assert.equal(seqs[0], all.at(-1).seq, 'the newest event is on top');
      assert.ok((await page.locator('tr[data-actor="oncall"][data-type="RolloutCreated"]').count()) === 1, 'the apply of the rollout, by oncall');

      await page.getByLabel('Actor').fill(ACTOR);
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.locator(`tr[data-actor="${ACTOR}"]`).first().waitFor();
      await page.locator('tr[data-actor="controller"]').first().waitFor({ state: 'detached' });
      assert.deepEqual([...new Set(await rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-actor'))))], [ACTOR]);
      assert.match((await rows.first().textContent()) ?? '', /StableChanged.*v2 → v1.*undo to revision 1 by ui-tester/);
      assert.equal(new URL(page.url()).searchParams.get('actor'), ACTOR);

      await page.getByLabel('Actor').fill('');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByLabel('Type').selectOption('WeightChanged');
      await until('only WeightChanged rows', async () => {
        const types = new Set(await rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-type'))));
        return types.size === 1 && types.has('WeightChanged') ? true : undefined;
      }, 10_000);
      assert.equal(new URL(page.url()).search, '?type=WeightChanged');
      const weights = all.filter((e) => e.type === 'WeightChanged').length;
      assert.equal(await rows.count(), weights);

      // Live: an apply made elsewhere appears on top of an unfiltered log (over the stream: well before the 5 s refresh).
      await page.getByRole('button', { name: 'Clear' }).click();
      await page.locator('tr[data-type="StableChanged"]').first().waitFor();
      await api(center.url, '/apply', service('cart', ['v1'], '  rollbackWindow: 48h\n'));
      await page.locator('tbody tr:first-child[data-type="ServiceUpdated"][data-actor="oncall"]').waitFor({ timeout: 2000 });

      // Each action shows where it came from and, folded, what it changed; the keyboard opens it.
      const top = page.locator('tbody tr:first-child');
      assert.equal(await top.getAttribute('data-source'), '127.0.0.1');
      assert.match((await top.locator('.rel-event-source').textContent()) ?? '', /127\.0\.0\.1/);
      assert.equal(await top.locator('.rel-change-fields').isVisible(), false, 'folded at first');
      await top.locator('details.rel-change > summary').focus();
      await page.keyboard.press('Enter');
      await top.locator('.rel-change-fields').waitFor();
      assert.match((await top.locator('.rel-change-fields').textContent()) ?? '', /rollbackWindow/);
      assert.ok((await top.locator('.rel-change-field ins').count()) >= 1, 'the new value is shown');
    });

    test('dark mode on a phone: readable cards, no horizontal scrolling, on every page', async () => {
      const page = await open('/ui/', { width: 390, height: 844, dark: true });
      await row(page, 'shop').waitFor();
      assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor), 'rgb(13, 17, 23)');
      assert.equal(await page.locator('thead').isVisible(), false, 'cards, not a table header');
      for (const path of ['/ui/', '/ui/services/shop', '/ui/audit']) {
        if (path !== '/ui/') await page.goto(`${center.url}${path}`);
        await page.locator(path === '/ui/' ? 'tr[data-service]' : path === '/ui/audit' ? 'tr[data-seq]' : 'li[data-revision]').first().waitFor();
        // An opened before/after must fit the phone too.
        if (path === '/ui/audit') await page.locator('details.rel-change > summary').first().click();
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 390, `${path}: no horizontal scrolling (page is ${width}px wide)`);
        await screenshot(page, `releases-phone-dark${path.replace(/\//g, '-')}`);
      }
    });
  });
}
