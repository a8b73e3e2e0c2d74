import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { SluiceClient } from '@sluice/sdk';
import { startControlPlane, type RunningControlPlane } from '../control-plane.js';
import { tempDir, waitFor } from './testing/sluice-process.js';

const TOKEN = 'production-token-0123456789abcdef';

/**
 * The application: it asks Sluice's SDK (live over the stream) whether the new checkout is on for the
 * user; the new checkout fails `badRate` of its requests. `/stats` reports the error rate of the
 * new checkout's requests over the last 2 seconds: the guard reads it with a web provider.
 */
function startApp(sdk: SluiceClient): Promise<{ server: Server; port: number; setBadRate(r: number): void; onShare(): number }> {
  let badRate = 0;
  const recent: { at: number; error: boolean }[] = [];
  let on = 0;
  let total = 0;
  const server = createServer((req, res) => {
    if (req.url === '/stats') {
      const since = Date.now() - 2000;
      const window = recent.filter((r) => r.at >= since);
      const rate = window.length === 0 ? 0 : window.filter((r) => r.error).length / window.length;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ errorRate: rate, requests: window.length }));
      return;
    }
    const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user') ?? 'anonymous';
    total++;
    if (sdk.isEnabled('new-checkout', { userId: user })) {
      on++;
      const error = Math.random() < badRate;
      recent.push({ at: Date.now(), error });
      if (recent.length > 20_000) recent.splice(0, 10_000);
      res.statusCode = error ? 500 : 200;
      res.end(error ? 'new checkout failed' : 'new checkout');
      return;
    }
    res.end('old checkout');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({ server, port, setBadRate: (r) => (badRate = r), onShare: () => (total === 0 ? 0 : on / total) });
    }),
  );
}

const RESOURCES = (appPort: number) => `apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: new-checkout }
spec:
  kind: release
  description: The one-page checkout
  environments:
    production: { enabled: false, default: { rollout: 0, stickiness: userId } }
---
apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: [ "http://127.0.0.1:${appPort}" ] }
    v2: { upstreams: [ "http://127.0.0.1:${appPort}" ] }
  stable: v1
`;

const ROLLOUT = (appPort: number) => `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: checkout-ramp }
spec:
  service: shop
  target: v2
  guard:
    conditions:
      - name: new-checkout-errors
        provider: { web: { baseUrl: "http://127.0.0.1:${appPort}", jsonPath: "$.errorRate" } }
        query: /stats
        interval: 1s
        judge: { threshold: { successCondition: "result < 0.05" } }
  strategy:
    canary:
      steps:
        - setFlag: { flag: new-checkout, environment: production, enabled: true, rollout: 5 }
        - pause: { duration: 1s }
        - setFlag: { flag: new-checkout, environment: production, rollout: 50 }
        - pause: {}
        - setFlag: { flag: new-checkout, environment: production, rollout: 100 }
`;

async function api(base: string, path: string, init: { method?: string; body?: string } = {}): Promise<any> {
  const res = await fetch(`${base}/api/v1${path}`, { method: init.method ?? 'GET', headers: { 'content-type': 'application/yaml', 'x-sluice-actor': 'release-manager' }, ...(init.body ? { body: init.body } : {}) });
  const body = await res.json();
  if (res.status >= 400) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

describe('a release that ramps a flag 0 → 5 → 50 → 100 % under the guard', () => {
  let cp: RunningControlPlane;
  let sdk: SluiceClient;
  let app: Awaited<ReturnType<typeof startApp>>;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let stopLoad = false;
  let load: Promise<void>;

  before(async () => {
    dir = await tempDir('sluice-flag-rollout-');
    cp = await startControlPlane({ dataDir: dir.path, listen: '127.0.0.1:0', log: () => {}, pollMs: 100, flagTokens: [{ environment: 'production', token: TOKEN }] });
    sdk = new SluiceClient({ url: cp.url, environment: 'production', token: TOKEN, appName: 'shop', metricsIntervalMs: 250 });
    app = await startApp(sdk);
    await api(cp.url, '/apply', { method: 'POST', body: RESOURCES(app.port) });
    await sdk.start();
    // 1,000 users, each asking again and again: a user's answer must never flip back while the ramp rises.
    load = (async () => {
      let i = 0;
      while (!stopLoad) {
        await Promise.all(Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${app.port}/?user=u${i++ % 1000}`).then((r) => r.text()).catch(() => '')));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
  });

  after(async () => {
    stopLoad = true;
    await load;
    sdk.close();
    app.server.close();
    await cp.close();
    await dir.remove();
  });

  test('the ramp widens while healthy, the guard rolls the flag back when the new code fails, and history shows every step', async () => {
    await api(cp.url, '/apply', { method: 'POST', body: ROLLOUT(app.port) });
    const at50 = await waitFor('the flag at 50 %', async () => {
      const flag = await api(cp.url, '/flags/new-checkout');
      return flag.environments.production.rollout === 50 ? flag : undefined;
    });
    assert.equal(at50.environments.production.enabled, true);
    await waitFor('about half of the users on the new checkout', async () => {
      const share = app.onShare();
      return share > 0.2 ? share : undefined;
    });
    const before = await api(cp.url, '/rollouts/checkout-ramp');
    assert.equal(before.status.phase, 'Paused', 'healthy at 50 %: waiting for promote');
    app.setBadRate(0.3);
    const aborted = await waitFor('the guard to roll back', async () => {
      const r = await api(cp.url, '/rollouts/checkout-ramp');
      return r.status.phase === 'Failed' ? r : undefined;
    }, 15_000);
    assert.deepEqual(aborted.status.rollbackPlan.ops.map((o: { op: string }) => o.op), ['traffic', 'flags', 'verify']);
    assert.match(aborted.status.guard.breaches['new-checkout-errors'].reason, /result < 0.05/);
    // Exposure of a flag ramp: the "on" evaluations the SDK reported while the rollout ran.
    assert.ok(aborted.status.exposure.requests > 50, `exposure counted from SDK metrics: ${JSON.stringify(aborted.status.exposure)}`);
    const flag = await api(cp.url, '/flags/new-checkout');
    assert.deepEqual(flag.environments.production, { enabled: false, rollout: 0, rules: 0, overrides: 0 }, 'the flag is as it was before the release');
    await waitFor('the SDK to serve the old checkout to everyone', async () => (sdk.isEnabled('new-checkout', { userId: 'u1' }) || [...Array(200).keys()].some((i) => sdk.isEnabled('new-checkout', { userId: `u${i}` })) ? undefined : true), 5000);
    const history = await api(cp.url, '/flags/new-checkout/history');
    const reasons = history.items.map((r: { change: { reason: string; rollout?: string } }) => r.change.reason);
    assert.equal(history.items[0].change.rollout, 'checkout-ramp');
    assert.match(reasons[0], /rollback of rollout checkout-ramp/);
    assert.match(reasons[1], /setFlag new-checkout in production: 50%/);
    assert.match(reasons[2], /setFlag new-checkout in production: on, 5%/);
    assert.match(reasons.at(-1), /created from/);
  });
});
