import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType } from '../events/release-event.js';
import { isIdle, nextScaleDown, planScaleDown, promotedStatus } from './scale-down.js';
import { DEFAULT_GRACE_PERIOD_MS, DEFAULT_READINESS, type Service, type ServiceStatus } from './service.js';

const RUN = { kind: 'run' as const, run: { command: 'node app.js', env: {}, replicas: 1, readiness: DEFAULT_READINESS, gracePeriodMs: DEFAULT_GRACE_PERIOD_MS } };

function service(status: ServiceStatus, versions: Service['spec']['versions'] = { v1: RUN, v2: RUN, v3: RUN }): Service {
  return { name: 'shop', version: 3, spec: { listen: '127.0.0.1:0', stickiness: { cookie: 'c' }, versions, stable: 'v1' }, status };
}

const NONE = new Map<string, string>();

describe('promotedStatus', () => {
  test('promotedStatus keeps the old stable warm for the delay when asked', () => {
    assert.deepEqual(promotedStatus(service({ stable: 'v1', revision: 1 }), 'v2', { now: 1000, keepWarmMs: 30_000 }), {
      stable: 'v2',
      revision: 2,
      warmUntil: { v1: 31_000 },
    });
  });

  test('promotedStatus without a delay leaves the old stable running, as a canary does', () => {
    assert.deepEqual(promotedStatus(service({ stable: 'v1', revision: 1 }), 'v2', { now: 1000 }), { stable: 'v2', revision: 2 });
  });

  test('promotedStatus takes the new stable out of warm and idle, and never keeps a fixed-upstreams version warm', () => {
    const s = service({ stable: 'v1', revision: 4, warmUntil: { v2: 5 }, idle: { v3: 1 } }, { v1: { kind: 'upstreams', upstreams: ['http://127.0.0.1:1'] }, v2: RUN, v3: RUN });
    assert.deepEqual(promotedStatus(s, 'v3', { now: 10, keepWarmMs: 100 }), { stable: 'v3', revision: 5, warmUntil: { v2: 5 } });
  });
});

describe('planScaleDown', () => {
  test('planScaleDown does nothing before the warm time ends', () => {
    const s = service({ stable: 'v2', revision: 2, warmUntil: { v1: 31_000 } });
    assert.equal(planScaleDown(s, NONE, 30_999), undefined);
    assert.equal(nextScaleDown(s), 31_000);
  });

  test('planScaleDown makes a warm version idle when its time ends, with an event', () => {
    const change = planScaleDown(service({ stable: 'v2', revision: 2, warmUntil: { v1: 31_000 } }), NONE, 31_000);
    assert.deepEqual(change?.status, { stable: 'v2', revision: 2, idle: { v1: 31_000 } });
    assert.deepEqual(change?.events.map((e) => [e.type, e.from, e.to, e.data]), [[EventType.WorkloadChanged, 'warm', 'idle', { version: 'v1', warmUntil: 31_000 }]]);
    assert.equal(isIdle({ ...service(change?.status ?? { stable: '', revision: 0 }) }, 'v1'), true);
  });

  test('planScaleDown keeps a warm version a rollout uses, and forgets its warm time', () => {
    const change = planScaleDown(service({ stable: 'v2', revision: 2, warmUntil: { v1: 31_000 } }), new Map([['v1', 'rollout shop-v1 targets it']]), 40_000);
    assert.deepEqual(change, { status: { stable: 'v2', revision: 2 }, events: [] });
  });

  test('planScaleDown wakes an idle version a rollout targets, or that is stable again', () => {
    const targeted = planScaleDown(service({ stable: 'v2', revision: 2, idle: { v1: 31_000 } }), new Map([['v1', 'rollout shop-v1 targets it']]), 50_000);
    assert.deepEqual(targeted?.status, { stable: 'v2', revision: 2 });
    assert.deepEqual(targeted?.events.map((e) => [e.from, e.to, e.reason]), [['idle', 'running', 'Version v1 starts again: rollout shop-v1 targets it']]);
    const stable = planScaleDown(service({ stable: 'v1', revision: 3, idle: { v1: 31_000 } }), NONE, 50_000);
    assert.match(stable?.events[0]?.reason ?? '', /it is the stable version/);
  });

  test('planScaleDown leaves an unused idle version idle, and drops versions no longer run by Sluice without events', () => {
    assert.equal(planScaleDown(service({ stable: 'v2', revision: 2, idle: { v1: 31_000 } }), NONE, 50_000), undefined);
    const gone = planScaleDown(service({ stable: 'v2', revision: 2, idle: { v1: 1 }, warmUntil: { v3: 9 } }, { v2: RUN, v3: { kind: 'upstreams', upstreams: ['http://127.0.0.1:1'] } }), NONE, 5);
    assert.deepEqual(gone, { status: { stable: 'v2', revision: 2 }, events: [] });
  });
});
