import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserAvailable, repoRoot, screenshot, until, useReleaseCenter } from '../testing/browser.js';

/** The admin token the control plane is started with (sluice_<12 id chars>_<32+ secret chars>). */
const ADMIN_TOKEN = `sluice_uitestadmin1_${'A'.repeat(40)}`;
const WRONG_TOKEN = `sluice_uitestadmin1_${'B'.repeat(40)}`;
const SERVICES = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { run: { command: "node demo/app.js", env: { VERSION: v1 }, replicas: 1, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 1s } }
    v2: { run: { command: "node demo/app.js", env: { VERSION: v2 }, replicas: 1, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 1s } }
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
      steps: [ { setWeight: 10 }, { pause: {} } ]
---
apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: checkout-v2 }
spec:
  kind: release
  environments:
    staging: { enabled: true }
`;

if (browserAvailable('release center: sign-in with API tokens')) {
  describe('release center: sign-in, roles and sign-out in Chromium (sluice server --auth)', () => {
    /** A call of the API as `token` (Authorization: Bearer), not through the page. */
    async function call(method: string, path: string, body?: unknown, token = ADMIN_TOKEN): Promise<{ status: number; json: any }> {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      let payload: string | undefined;
      if (typeof body === 'string') {
        headers['content-type'] = 'application/yaml';
        payload = body;
      } else if (body !== undefined) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(body);
      }
      const res = await fetch(`${center.url}/api/v1${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
      const text = await res.text();
      return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
    }
    /** A new API token (as the admin); answers its text. */
    async function token(name: string, role: string, services: readonly string[] = ['*']): Promise<string> {
      const made = await call('POST', '/tokens', { name, role, services, scopes: [] });
      assert.equal(made.status, 201, JSON.stringify(made.json));
      return made.json.token as string;
    }

    // The 401s the test provokes are the page's own requests, reported as failed loads, not page errors.
    const center = useReleaseCenter('auth', {
      controlPlane: { cwd: repoRoot, auth: { enabled: true, bootstrapToken: ADMIN_TOKEN } },
      setup: async (url) => {
        assert.equal((await fetch(`${url}/api/v1/whoami`)).status, 401, 'auth is on: whoami without a session is refused');
        const applied = await call('POST', '/apply', SERVICES);
        assert.equal(applied.status, 200, JSON.stringify(applied.json));
        await until('shop ready on v1', async () => ((await call('GET', '/services/shop')).json?.workloads?.[0]?.readyEndpoints?.length === 1 ? true : undefined));
      },
    });
    const open = center.open;
    const tokenField = (page: Page) => page.getByLabel('API token');
    async function signIn(page: Page, text: string): Promise<void> {
      await tokenField(page).fill(text);
      await tokenField(page).press('Enter');
    }

    test('/ui/ shows the login; a wrong token is refused; the admin signs in, sees the releases and their name; Sign out', async () => {
      const page = await open('/ui/');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/ui/login');
      assert.equal(await tokenField(page).getAttribute('type'), 'password');
      assert.equal(await tokenField(page).getAttribute('autocomplete'), 'off');
      assert.equal(await tokenField(page).evaluate((el) => el === document.activeElement), true, 'the token field has the focus');
      assert.equal(await page.getByRole('navigation', { name: 'Pages' }).count(), 0, 'no navigation before signing in');
      assert.equal(await page.getByLabel('Acting as').count(), 0);

      await signIn(page, WRONG_TOKEN);
      const error = page.getByTestId('login-error');
      await error.waitFor();
      assert.match((await error.textContent()) ?? '', /not accepted: it is wrong, expired or revoked/);
      assert.equal(await tokenField(page).getAttribute('aria-invalid'), 'true');
      assert.equal(await tokenField(page).getAttribute('aria-describedby'), 'login-error');
      assert.equal(new URL(page.url()).pathname, '/ui/login');

      await signIn(page, ADMIN_TOKEN);
      await page.locator('tr[data-service="shop"]').waitFor();
      assert.equal(new URL(page.url()).pathname, '/ui/');
      const menu = page.getByTestId('user-menu');
      assert.equal(await menu.locator('.user-name').textContent(), 'admin');
      assert.equal(await menu.locator('.user-role').textContent(), 'admin');
      assert.equal(await page.getByLabel('Acting as').count(), 0, 'the session names the actor');
      await page.locator('.live-live').waitFor(); // the event stream authenticates by the cookie too
      const cookies = await page.context().cookies();
      const session = cookies.find((c) => c.name === 'sluice_session');
      assert.ok(session !== undefined && session.httpOnly && session.sameSite === 'Strict', 'an HttpOnly, SameSite=Strict session cookie');
      assert.equal(await page.evaluate(() => document.cookie.includes('sluice_session')), false, 'scripts cannot read the session');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/ui/login');
      assert.equal(await page.evaluate(async () => (await fetch('/api/v1/whoami')).status), 401, 'the session is gone');
      assert.equal(await page.getByTestId('user-menu').count(), 0);
    });

    test('a deep link returns there after signing in; a viewer sees the flags with the switches disabled and why', async () => {
      const viewer = await token('viewer-ana', 'viewer');
      const page = await open('/ui/flags?env=staging');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal(new URL(page.url()).searchParams.get('next'), '/ui/flags?env=staging');
      await signIn(page, viewer);
      const row = page.locator('tr[data-flag="checkout-v2"]');
      await row.waitFor();
      assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/ui/flags?env=staging');
      assert.equal(await page.getByTestId('user-menu').locator('.user-role').textContent(), 'viewer');

      const note = page.getByTestId('permission-note');
      assert.match((await note.textContent()) ?? '', /Changing flags needs operator role \(you are viewer\)/);
      const noteId = await note.getAttribute('id');
      const flagSwitch = row.getByRole('switch');
      assert.equal(await flagSwitch.getAttribute('aria-disabled'), 'true');
      assert.equal(await flagSwitch.getAttribute('aria-describedby'), noteId);
      assert.match((await flagSwitch.getAttribute('title')) ?? '', /needs operator role/);
      await flagSwitch.focus(); // still focusable, so the reason can be read
      await page.keyboard.press('Space');
      await page.waitForTimeout(300);
      assert.equal(await flagSwitch.getAttribute('aria-checked'), 'true', 'the switch did nothing');
      assert.equal((await call('GET', '/flags/checkout-v2')).json.spec.environments.staging.enabled, true);
      const kill = row.getByRole('button', { name: /Kill switch/ });
      assert.equal(await kill.isDisabled(), true);
      assert.equal(await kill.getAttribute('aria-describedby'), noteId);

      // The rollout's buttons: shown (so the viewer sees what could be done), disabled, with the reason.
      await page.getByRole('link', { name: 'Releases' }).click();
      await page.locator('a[href="/ui/rollouts/shop-v2"]').first().click();
      const promote = page.locator('[data-action="promote-full"]');
      await promote.waitFor();
      assert.equal(await promote.isDisabled(), true);
      assert.equal(await page.locator('[data-action="abort"]').isDisabled(), true);
      const reason = page.locator(`#${await promote.getAttribute('aria-describedby')}`);
      assert.equal(await reason.textContent(), 'Steering this rollout needs operator role (you are viewer).');
    });

    test('a service the grants do not cover: the 403 is shown in place; the flag switches say which grant they need', async () => {
      const cartOnly = await token('cart-operator', 'operator', ['cart']);
      const page = await open('/ui/login?next=%2Fui%2Fservices%2Fshop');
      await signIn(page, cartOnly);
      await page.getByText('FORBIDDEN').first().waitFor();
      assert.equal(new URL(page.url()).pathname, '/ui/services/shop', 'a 403 stays on the page');
      assert.match((await page.locator('main').textContent()) ?? '', /needs a grant for it/);
      await screenshot(page, 'auth-forbidden-service-page');
      // The flags are shared: a write needs the grant "*", so the switches explain that.
      await page.getByRole('link', { name: 'Flags' }).click();
      await page.locator('tr[data-flag="checkout-v2"]').waitFor();
      assert.match((await page.getByTestId('permission-note').textContent()) ?? '', /needs a grant for all services, \* \(yours: cart\)/);
    });

    test('a session that ends (token revoked) sends the next call to the login, keeping the page', async () => {
      const ops = await token('ops-bo', 'operator');
      const page = await open('/ui/login?next=%2Fui%2Fflags');
      await signIn(page, ops);
      await page.locator('tr[data-flag="checkout-v2"]').waitFor();
      assert.equal(await page.getByTestId('permission-note').count(), 0, 'an operator may change flags');
      assert.equal(await page.locator('tr[data-flag="checkout-v2"]').getByRole('switch').getAttribute('aria-disabled'), 'false');
      assert.equal((await call('DELETE', '/tokens/ops-bo')).status, 200);
      await page.getByRole('link', { name: 'Experiments' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal(new URL(page.url()).searchParams.get('next'), '/ui/experiments');
      assert.equal(await page.getByRole('navigation', { name: 'Pages' }).count(), 0, 'signed out: no navigation');
    });

    test('on a phone in dark mode the login fits; too many wrong tokens give the wait', async () => {
      const page = await open('/ui/login', { width: 390, height: 844, dark: true });
      await tokenField(page).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no sideways scrolling');
      const background = await page.locator('.login').evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.equal(background, 'rgb(22, 27, 34)', 'the dark surface');
      // The control plane refuses an address after 10 failures a minute (earlier tests made some).
      const error = page.getByTestId('login-error');
      const waited = await until('a 429', async () => {
        await signIn(page, WRONG_TOKEN);
        await page.getByRole('button', { name: 'Sign in' }).waitFor();
        const text = (await error.textContent()) ?? '';
        return /Too many failed sign-ins/.test(text) ? text : undefined;
      }, 20_000);
      assert.match(waited, /Try again in \d+ seconds?\./);
      assert.equal(await page.getByRole('button', { name: 'Sign in' }).isDisabled(), true, 'no retry before the wait');
    });
  });
}
