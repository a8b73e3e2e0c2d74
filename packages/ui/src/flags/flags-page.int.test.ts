import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { api, browserAvailable, screenshot, useReleaseCenter } from '../testing/browser.js';

// Three flags on in several environments; checkout-v2 is the one the kill switch turns off.
const FLAGS = `apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: checkout-v2 }
spec:
  kind: release
  description: The one-page checkout
  environments:
    development: { enabled: true }
    staging: { enabled: true }
    production:
      enabled: true
      overrides: [ { values: [alice] } ]
      default: { rollout: 25, stickiness: userId }
---
apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: search-v3 }
spec:
  kind: operational
  environments:
    development: { enabled: true }
    staging: { enabled: true }
    production: { enabled: true, default: { rollout: 100, stickiness: default } }
---
apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: dark-mode }
spec:
  kind: permission
  environments:
    development: { enabled: true }
    staging: { enabled: false }
`;
const ACTOR = 'release-tester';
const ENVIRONMENTS = ['development', 'staging', 'production'];


const switchOf = (page: Page, flag: string) => page.locator(`tr[data-flag="${flag}"] [role="switch"]`);

/** Waits until the flag's switch on the page says `on` (fails after the page's timeout). */
async function waitForSwitch(page: Page, flag: string, on: boolean): Promise<void> {
  await page.locator(`tr[data-flag="${flag}"] [role="switch"][aria-checked="${on}"]:not([aria-busy="true"])`).waitFor();
}

if (browserAvailable('release center: Flags page')) {
  describe('release center: the Flags page in Chromium', () => {
    // Pages open as ACTOR (the "Acting as" field) and wait until they follow the flag stream, unless { live: false }.
    const center = useReleaseCenter('', { setup: (url) => api(url, '/apply', FLAGS), actor: ACTOR, live: true });
    const open = center.open;

    test('/ui/flags: every flag with its kind, state, rollout and environments', async () => {
      const page = await open('/ui/flags');
      assert.equal(new URL(page.url()).pathname, '/ui/flags');
      await page.locator('tr[data-flag]').nth(2).waitFor();
      assert.deepEqual(await page.locator('tr[data-flag]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-flag'))), ['checkout-v2', 'dark-mode', 'search-v3']);
      const row = page.locator('tr[data-flag="checkout-v2"]');
      assert.equal(await row.locator('.kind').textContent(), 'release');
      assert.equal(await switchOf(page, 'checkout-v2').getAttribute('aria-checked'), 'true');
      assert.match((await row.locator('td[data-label="Rollout"]').textContent()) ?? '', /^25 % \+ 1 override$/);
      assert.deepEqual(await row.locator('.badge').evaluateAll((b) => b.map((x) => x.textContent)), ['development: on', 'staging: on', 'production: on']);
      assert.match((await page.locator('.summary').textContent()) ?? '', /3 flags, 2 on in production/);
      assert.equal(await switchOf(page, 'dark-mode').getAttribute('aria-checked'), 'false');
      // Another environment: the switch column follows it, and the URL keeps it.
      await page.getByRole('radio', { name: 'development' }).check();
      await page.locator('thead th', { hasText: 'development' }).waitFor();
      assert.equal(new URL(page.url()).searchParams.get('env'), 'development');
      await waitForSwitch(page, 'dark-mode', true);
    });

    test('a switch turns a flag off and back on in one environment, recorded with the actor', async () => {
      const page = await open('/ui/flags?env=production');
      await switchOf(page, 'search-v3').click();
      await waitForSwitch(page, 'search-v3', false);
      const off = await api(center.url, '/flags/search-v3');
      assert.equal(off.environments.production.enabled, false);
      assert.equal(off.environments.staging.enabled, true, 'other environments are untouched');
      const [newest] = (await api(center.url, '/flags/search-v3/history')).items;
      assert.equal(newest.change.actor, ACTOR);
      // The keyboard works too: the switch is a real button.
      await switchOf(page, 'search-v3').focus();
      await page.keyboard.press('Enter');
      await waitForSwitch(page, 'search-v3', true);
      assert.equal((await api(center.url, '/flags/search-v3')).environments.production.enabled, true);
    });

    test('the kill switch says what it will do, does nothing on cancel, and turns the flag off everywhere on confirm', async () => {
      const page = await open('/ui/flags?env=production');
      const before = await api(center.url, '/flags/checkout-v2');
      const kill = page.getByRole('button', { name: 'Kill switch: turn checkout-v2 off everywhere' });
      await kill.click();
      const dialog = page.getByRole('dialog', { name: 'Kill switch: checkout-v2' });
      await dialog.waitFor();
      const text = (await dialog.textContent()) ?? '';
      assert.match(text, /turns checkout-v2 off in every environment \(development, staging, production\)/);
      assert.match(text, /within about 1 second/);
      assert.match(text, new RegExp(`sluice flag restore checkout-v2 ${before.version}`));
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal((await api(center.url, '/flags/checkout-v2')).version, before.version, 'cancel changed nothing');

      await kill.click();
      await dialog.getByLabel('Reason (recorded in the history)').fill('incident 42');
      await screenshot(page, 'kill-dialog');
      await dialog.getByRole('button', { name: 'Turn checkout-v2 off everywhere' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await waitForSwitch(page, 'checkout-v2', false);
      const row = page.locator('tr[data-flag="checkout-v2"]');
      assert.deepEqual(await row.locator('.badge').evaluateAll((b) => b.map((x) => x.textContent)), ['development: off', 'staging: off', 'production: off']);
      assert.equal(await row.locator('.kill-button').textContent(), 'Off everywhere');
      assert.equal(await row.locator('.kill-button').isDisabled(), true);
      await page.getByRole('status').filter({ hasText: 'checkout-v2 is off in every environment' }).waitFor();

      const after = await api(center.url, '/flags/checkout-v2');
      for (const env of ENVIRONMENTS) {
        assert.equal(after.environments[env].enabled, false, `${env} is off`);
        const evaluation = await api(center.url, '/flags/evaluate', JSON.stringify({ environment: env, flag: 'checkout-v2', context: { userId: 'alice' } }));
        assert.equal(evaluation.enabled, false, `${env}: alice's override no longer applies`);
      }
      const [newest] = (await api(center.url, '/flags/checkout-v2/history')).items;
      assert.deepEqual([newest.version, newest.change.actor, newest.change.reason], [before.version + 1, ACTOR, 'incident 42']);
    });

    test('a change made elsewhere appears at once over the flag stream', async () => {
      const page = await open('/ui/flags?env=staging');
      await waitForSwitch(page, 'checkout-v2', false);
      await api(center.url, '/flags/checkout-v2/environments/staging', JSON.stringify({ enabled: true, reason: 'from the CLI' }));
      await waitForSwitch(page, 'checkout-v2', true);
    });

    test('the detail page shows the history and restores a version', async () => {
      const page = await open('/ui/flags?env=production');
      await page.getByRole('link', { name: 'checkout-v2' }).click();
      await page.getByRole('heading', { name: 'History' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/ui/flags/checkout-v2');
      const history = (await api(center.url, '/flags/checkout-v2/history')).items as { version: number; change: { reason: string } }[];
      assert.equal(await page.locator('.revision').count(), history.length);
      assert.match((await page.locator('.revision').first().textContent()) ?? '', /from the CLI/);
      await page.getByRole('button', { name: 'Restore v1' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('button', { name: 'Restore v1' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.locator('tr[data-env="production"] [role="switch"][aria-checked="true"]').waitFor();
      const restored = await api(center.url, '/flags/checkout-v2');
      assert.deepEqual(ENVIRONMENTS.map((env) => restored.environments[env].enabled), [true, true, true]);
      assert.equal(await page.locator('.revision').count(), history.length + 1);
    });

    test('an API error is shown with its code and message', async () => {
      const page = await open('/ui/flags/no-such-flag', { live: false });
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /NOT_FOUND\s*Flag "no-such-flag" does not exist/);
    });

    test('dark mode on a phone: readable, one card per flag', async () => {
      const page = await open('/ui/flags?env=production', { width: 390, height: 844, dark: true });
      await page.locator('tr[data-flag]').nth(2).waitFor();
      const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      assert.equal(background, 'rgb(13, 17, 23)');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `no horizontal scrolling (page is ${width}px wide)`);
      assert.equal(await page.locator('thead').isVisible(), false, 'cards, not a table header');
    });
  });
}
