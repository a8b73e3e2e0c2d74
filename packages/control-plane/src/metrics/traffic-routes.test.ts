import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@sluice/domain';
import { Hono } from 'hono';
import { toErrorResponse } from '../http/error-response.js';
import { silentLogger } from '../platform/logger.js';
import { trafficRoutes, type TrafficRoutesOptions, type TrafficView } from './traffic-routes.js';
import { TrafficWindows } from './traffic-windows.js';

const T0 = Date.UTC(2026, 0, 1);

/** Mounted the way createApi mounts routes: under /api/v1, errors through toErrorResponse. */
function setup(options: TrafficRoutesOptions = {}, retentionSeconds = 900) {
  const clock = new ManualClock(T0);
  const windows = new TrafficWindows({ clock, retentionSeconds });
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error, silentLogger);
    return c.json(body, status as 400);
  });
  app.route('/api/v1', trafficRoutes(windows, options));
  const get = async (path: string) => {
    const res = await app.request(`/api/v1${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  return { clock, windows, get };
}

describe('trafficRoutes GET /services/{name}/traffic', () => {
  test('answers totals and one entry per whole second, leaving out the second in progress', async () => {
    const { clock, windows, get } = setup();
    clock.advance(100_000);
    windows.record({ service: 'shop', version: 'v1', route: 'split', status: 200, durationMs: 8 });
    clock.advance(1000);
    windows.record({ service: 'shop', version: 'v2', route: 'split', status: 503, durationMs: 2, cause: 'timeout', error: 't' });
    clock.advance(1500);
    windows.record({ service: 'shop', version: 'v2', route: 'split', status: 200, durationMs: 2 }); // in progress: left out
    const { status, body } = await get('/services/shop/traffic?window=5s');
    assert.equal(status, 200);
    const view = body as TrafficView;
    assert.equal(view.window, '5s');
    assert.equal(view.toMs, T0 + 102_000);
    assert.equal(view.fromMs, T0 + 97_000);
    assert.equal(view.perSecond.length, 5);
    assert.equal(view.requests, 2);
    assert.deepEqual(view.perSecond.map((s) => s.requests), [0, 0, 0, 1, 1]);
    assert.equal(view.byCause.timeout, 1);
    assert.equal(view.latencyMs.max, 8);
    assert.deepEqual(view.series, [{ version: 'v1', route: 'split' }, { version: 'v2', route: 'split' }]);
    assert.equal(view.version, null);
    const v2 = (await get('/services/shop/traffic?window=5s&version=v2&route=split')).body as TrafficView;
    assert.deepEqual([v2.version, v2.route, v2.requests, v2.errors], ['v2', 'split', 1, 1]);
  });

  test('defaults the window to 60s and answers zeros for a service without traffic', async () => {
    const { get } = setup();
    const { status, body } = await get('/services/quiet/traffic');
    assert.equal(status, 200);
    assert.equal(body.window, '1m');
    assert.equal(body.perSecond.length, 60);
    assert.equal(body.requests, 0);
    assert.equal(body.latencyMs.p99, null);
  });

  test('answers SERVICE_NOT_FOUND when told which services exist', async () => {
    const { get } = setup({ serviceExists: async (name) => name === 'shop' });
    assert.equal((await get('/services/shop/traffic')).status, 200);
    const { status, body } = await get('/services/nope/traffic');
    assert.equal(status, 404);
    assert.equal(body.error.code, 'SERVICE_NOT_FOUND');
    assert.equal(body.error.details.service, 'nope');
  });

  const bad: readonly [string, string, string][] = [
    ['?window=abc', '?window', 'not a duration'],
    ['?window=0s', '?window', 'duration out of range'],
    ['?window=500ms', '?window', 'duration out of range'],
    ['?window=1500ms', '?window', 'duration out of range'],
    ['?window=16m', '?window', 'duration out of range'],
    ['?window=', '?window', 'not a duration'],
    ['?version=', '?version', 'empty'],
    ['?version=v%202', '?version', 'not a name'],
    ['?route=a/b', '?route', 'not a name'],
  ];
  for (const [query, path, message] of bad) {
    test(`rejects ${query} with INVALID_REQUEST at ${path}`, async () => {
      const { get } = setup();
      const { status, body } = await get(`/services/shop/traffic${query}`);
      assert.equal(status, 400);
      assert.equal(body.error.code, 'INVALID_REQUEST');
      const [problem] = body.error.details.problems;
      assert.equal(problem.path, path);
      assert.equal(problem.message, message);
      assert.match(problem.expected, path === '?window' ? /from 1s to 15m/ : /name/);
    });
  }

  test('accepts the longest window and caps it at a shorter retention', async () => {
    assert.equal((await setup().get('/services/shop/traffic?window=15m')).body.perSecond.length, 900);
    const short = setup({}, 120);
    assert.equal((await short.get('/services/shop/traffic?window=2m')).status, 200);
    const { status, body } = await short.get('/services/shop/traffic?window=3m');
    assert.equal(status, 400);
    assert.match(body.error.details.problems[0].expected, /from 1s to 2m/);
  });
});
