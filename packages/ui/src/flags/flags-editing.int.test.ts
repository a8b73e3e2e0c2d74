import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { api, browserAvailable, useReleaseCenter } from '../testing/browser.js';

// beta-checkout has one rule in production; old-banner is fully on (stale once 40 days pass).
const FLAGS = `apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: beta-checkout }
spec:
  kind: release
  description: The new checkout for beta testers
  environments:
    staging: { enabled: true }
    production:
      enabled: true
      rules:
        - name: beta-de
          constraints:
            - { contextName: country, operator: IN, values: [DE, AT] }
          rollout: 50
          stickiness: userId
      default: { rollout: 10, stickiness: userId }
---
apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: old-banner }
spec:
  kind: operational
  environments:
    production: { enabled: true, default: { rollout: 100, stickiness: default } }
`;
const ACTOR = 'flag-editor';
const DAY_MS = 86_400_000;


if (browserAvailable('release center: flag editing')) {
  describe('release center: rollout, rules editor and stale flags in Chromium', () => {
    // The control plane's clock: the stale test moves it 50 days ahead.
    let offset = 0;
    const center = useReleaseCenter('flags', {
      controlPlane: { clock: { now: () => Date.now() + offset } },
      setup: (url) => api(url, '/apply', FLAGS),
      actor: ACTOR,
    });
    const open = center.open;

    test('the rollout % is edited in place, refused when too precise, and saved as a new version', async () => {
      const page = await open('/ui/flags?env=production');
      const before = await api(center.url, '/flags/beta-checkout');
      const cell = page.locator('tr[data-flag="beta-checkout"] td[data-label="Rollout"]');
      assert.match((await cell.textContent()) ?? '', /^10 % \+ 1 rule$/);
      await cell.getByRole('button', { name: 'Rollout of beta-checkout in production: 10 %, edit' }).click();
      const field = page.getByLabel('Rollout of beta-checkout in production (percent)');
      assert.equal(await field.evaluate((el) => el === document.activeElement), true, 'the field has focus');
      await field.fill('12.345');
      await cell.getByText('Too precise: rollouts go in steps of 0.01 %').waitFor();
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      assert.equal(await cell.getByRole('button', { name: 'Save', exact: true }).isDisabled(), true);
      await field.fill('101');
      await cell.getByText('At most 100 %').waitFor();
      // Escape leaves it as it was.
      await field.press('Escape');
      await cell.getByRole('button', { name: /10 %, edit/ }).waitFor();
      assert.equal((await api(center.url, '/flags/beta-checkout')).version, before.version, 'nothing was saved');
      // Keyboard: Enter opens the field, Enter saves.
      await cell.getByRole('button', { name: /10 %, edit/ }).focus();
      await page.keyboard.press('Enter');
      await field.fill('12.75');
      await field.press('Enter');
      await cell.getByRole('button', { name: 'Rollout of beta-checkout in production: 12.75 %, edit' }).waitFor();
      const after = await api(center.url, '/flags/beta-checkout');
      assert.equal(after.environments.production.rollout, 12.75);
      assert.equal(after.version, before.version + 1);
      assert.equal(after.spec.environments.production.rules.length, 1, 'the rules are untouched');
      const [newest] = (await api(center.url, '/flags/beta-checkout/history')).items;
      assert.equal(newest.change.actor, ACTOR);
    });

    test('the rules editor shows a server problem at its line, then saves a valid change as a new version', async () => {
      const page = await open('/ui/flags/beta-checkout?env=production');
      const editor = page.getByLabel('Targeting of beta-checkout in production (YAML)');
      const text = await editor.inputValue();
      assert.match(text, /^rules:\n {2}- name: beta-de\n/m);
      assert.match(text, /operator: IN/);
      assert.match(text, /default:\n {2}rollout: 12\.75\n/);
      // An operator the server does not know, on the editor's line of "operator".
      const lines = text.split('\n');
      const bad = lines.findIndex((l) => l.includes('operator: IN')) + 1;
      await editor.fill(text.replace('operator: IN', 'operator: INSIDE'));
      await page.getByRole('button', { name: 'Check', exact: true }).click();
      const problem = page.locator('.problem').first();
      await problem.waitFor();
      assert.equal(await problem.getAttribute('data-line'), String(bad));
      const at = (await problem.locator('.problem-at').textContent()) ?? '';
      assert.match(at, new RegExp(`^${bad}:\\d+$`));
      const col = Number(at.split(':')[1]);
      assert.equal(lines[bad - 1]?.slice(col - 1, col - 1 + 'IN'.length), 'IN', `column ${col} points at the operator's value`);
      assert.match((await problem.textContent()) ?? '', /unknown operator|INSIDE|operator/i);
      assert.equal(await page.locator(`.code-gutter [data-line="${bad}"]`).getAttribute('class'), 'gutter-bad');
      const version = (await api(center.url, '/flags/beta-checkout')).version;
      // Clicking the position puts the caret there.
      await problem.locator('.problem-at').click();
      const caret = await editor.evaluate((el) => (el as HTMLTextAreaElement).selectionStart);
      assert.equal(caret, lines.slice(0, bad - 1).reduce((s, l) => s + l.length + 1, 0) + col - 1);
      // A valid change: another country and a 60 % rollout; Save checks, then applies.
      await editor.fill(text.replace('values: [DE, AT]', 'values: [DE, AT, CH]').replace('rollout: 50', 'rollout: 60'));
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText(`Saved as version ${version + 1}.`).waitFor();
      const saved = await api(center.url, '/flags/beta-checkout');
      assert.equal(saved.version, version + 1);
      const rule = saved.spec.environments.production.rules[0];
      assert.deepEqual([rule.constraints[0].values, rule.rollout], [['DE', 'AT', 'CH'], 60]);
      assert.equal(saved.spec.environments.production.enabled, true, 'enabled is kept');
      assert.equal(saved.spec.environments.production.default.rollout, 12.75, 'the default is kept');
      assert.deepEqual(saved.spec.environments.staging, (await api(center.url, `/flags/beta-checkout/history`)).items[1].spec.environments.staging, 'other environments are untouched');
      assert.equal(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled(), true, 'nothing left to save');
      await page.locator('.revision').nth(0).filter({ hasText: ACTOR }).waitFor();
    });

    test('stale flags: linked from the Flags page, with why and what to remove from the code', async () => {
      offset = 50 * DAY_MS;
      const page = await open('/ui/flags?env=production');
      await page.getByRole('link', { name: 'Stale flags' }).click();
      await page.locator('.stale-table tr[data-flag="old-banner"]').waitFor();
      assert.equal(new URL(page.url()).searchParams.get('view'), 'stale');
      const report = await api(center.url, '/flags/stale?unusedDays=30');
      assert.deepEqual(await page.locator('.stale-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-flag'))), report.items.map((i: { flag: string }) => i.flag));
      const row = page.locator('.stale-table tr[data-flag="old-banner"]');
      assert.deepEqual(await row.locator('.badge').evaluateAll((b) => b.map((x) => x.getAttribute('data-reason'))), ['fully-on', 'unused']);
      assert.match((await row.locator('td[data-label="Unchanged"]').textContent()) ?? '', /^50 d \/ 7 d expected$/);
      assert.match((await row.locator('.stale-hint').textContent()) ?? '', /Fully rolled out: keep the code path for "old-banner" on/);
      const beta = page.locator('.stale-table tr[data-flag="beta-checkout"]');
      assert.deepEqual(await beta.locator('.badge').evaluateAll((b) => b.map((x) => x.getAttribute('data-reason'))), ['unused'], 'partly rolled out: only unused');
      await page.getByLabel('Unused for at least').selectOption('90');
      await page.locator('.stale-table tr[data-flag="beta-checkout"]').waitFor({ state: 'detached' });
      assert.equal(new URL(page.url()).searchParams.get('unused'), '90');
      await row.waitFor();
    });

    test('phone, dark mode: the rules editor and its problems are readable without sideways scrolling', async () => {
      const page = await open('/ui/flags/beta-checkout?env=production', { width: 390, height: 844, dark: true });
      const editor = page.getByLabel('Targeting of beta-checkout in production (YAML)');
      await editor.fill(`${await editor.inputValue()}rules: []\n`);
      await page.getByRole('button', { name: 'Check', exact: true }).click();
      await page.locator('.problem').first().waitFor();
      assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor), 'rgb(13, 17, 23)');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `no horizontal scrolling (page is ${width}px wide)`);
    });
  });
}
