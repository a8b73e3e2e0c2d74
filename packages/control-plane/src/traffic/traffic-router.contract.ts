import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '@sluice/domain';
import type { ObservedSplit, RouteSpec, TrafficSplit } from '@sluice/domain';
import type { TrafficRouter } from './traffic-router.js';

/** What a contract run needs: a fresh router, the endpoints of versions "v1" and "v2", and a cleanup. */
export interface TrafficRouterFixture {
  readonly router: TrafficRouter;
  readonly backends: Record<string, string[]>;
  cleanup(): Promise<void>;
}

const SERVICE = 'contract-shop';
const INITIAL: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 10, salt: 'contract-rollout' };

/** A split exercising every condition kind, a rule split with its own salt, and a mirror. */
const ALL_RULES: TrafficSplit = {
  ...INITIAL,
  weight: 12.34,
  rules: [
    { name: 'segment:testers', conditions: [{ kind: 'anyOf', groups: [[{ kind: 'header', name: 'x-user-id', match: { in: ['u1', 'u2'] } }], [{ kind: 'sourceCidr', cidrs: ['10.0.0.0/8', '::ffff:192.168.0.0/120', '2001:db8::/32'] }]] }], action: { kind: 'version', version: 'v2' } },
    { name: 'mobile', conditions: [{ kind: 'header', name: 'user-agent', match: { regex: '.*Mobile.*' } }, { kind: 'method', methods: ['GET', 'HEAD'] }], action: { kind: 'version', version: 'v1' } },
    { name: 'beta', conditions: [{ kind: 'cookie', name: 'beta', match: { exact: '1' } }, { kind: 'query', name: 'preview', match: { prefix: 'y' } }, { kind: 'pathPrefix', prefix: '/api/' }], action: { kind: 'split', canary: 'v2', weight: 5.05, salt: 'contract-shop' } },
    { name: 'never', conditions: [{ kind: 'anyOf', groups: [] }], action: { kind: 'version', version: 'v2' } },
  ],
  mirror: { version: 'v2', percent: 0.5, maxBodyBytes: 65_536 },
};

/** The split fields of an observation (generation and address left out), optional ones only when present. */
function splitOf(observed: ObservedSplit): TrafficSplit {
  const { stable, canary, weight, salt, rules, mirror } = observed;
  return {
    stable,
    ...(canary === undefined ? {} : { canary }),
    weight,
    salt,
    ...(rules === undefined ? {} : { rules }),
    ...(mirror === undefined ? {} : { mirror }),
  };
}

function hasCode(code: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SluiceError, `expected a SluiceError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

/** The behaviour every TrafficRouter must show. Each test gets a fresh router from `create`. */
export function runTrafficRouterContract(name: string, create: () => Promise<TrafficRouterFixture>): void {
  async function withRouter(body: (router: TrafficRouter, route: RouteSpec) => Promise<void>): Promise<void> {
    const fixture = await create();
    const route: RouteSpec = { service: SERVICE, listen: '127.0.0.1:0', stickiness: { cookie: 'sluice' }, backends: fixture.backends };
    try {
      await body(fixture.router, route);
    } finally {
      await fixture.router.close();
      await fixture.cleanup();
    }
  }

  describe(`TrafficRouter contract: ${name}`, () => {
    test(`${name} declares a kind and the weights capability`, () =>
      withRouter(async (router) => {
        assert.ok(router.kind.length > 0);
        assert.ok(router.capabilities.has('weights'));
      }));

    test(`${name} upsertRoute then observeSplit returns the initial split`, () =>
      withRouter(async (router, route) => {
        await router.upsertRoute(route, INITIAL);
        const observed = await router.observeSplit(SERVICE);
        assert.deepEqual(splitOf(observed), INITIAL);
        assert.ok(Number.isInteger(observed.generation), `generation ${observed.generation}`);
      }));

    test(`${name} setSplit increments the generation and observeSplit reflects it`, () =>
      withRouter(async (router, route) => {
        await router.upsertRoute(route, INITIAL);
        const before = await router.observeSplit(SERVICE);
        const next: TrafficSplit = { ...INITIAL, weight: 50 };
        await router.setSplit(SERVICE, next);
        const after = await router.observeSplit(SERVICE);
        assert.deepEqual(splitOf(after), next);
        assert.ok(after.generation > before.generation, `generation ${before.generation} → ${after.generation}`);
      }));

    test(`${name} setSplit and reset are idempotent`, () =>
      withRouter(async (router, route) => {
        await router.upsertRoute(route, INITIAL);
        const next: TrafficSplit = { ...INITIAL, weight: 33.33 };
        await router.setSplit(SERVICE, next);
        const once = await router.observeSplit(SERVICE);
        await router.setSplit(SERVICE, { ...next });
        const twice = await router.observeSplit(SERVICE);
        assert.deepEqual(splitOf(twice), splitOf(once));
        assert.ok(twice.generation >= once.generation);
        await router.reset(SERVICE);
        const reset = splitOf(await router.observeSplit(SERVICE));
        await router.reset(SERVICE);
        assert.deepEqual(splitOf(await router.observeSplit(SERVICE)), reset);
      }));

    test(`${name} reset sends everything to stable, keeping stable and salt`, () =>
      withRouter(async (router, route) => {
        await router.upsertRoute(route, INITIAL);
        await router.setSplit(SERVICE, { ...INITIAL, weight: 80 });
        await router.reset(SERVICE);
        assert.deepEqual(splitOf(await router.observeSplit(SERVICE)), { stable: 'v1', weight: 0, salt: INITIAL.salt });
      }));

    test(`${name} upsertRoute of an existing route keeps its split`, () =>
      withRouter(async (router, route) => {
        await router.upsertRoute(route, INITIAL);
        const moved: TrafficSplit = { ...INITIAL, weight: 75 };
        await router.setSplit(SERVICE, moved);
        await router.upsertRoute({ ...route, stickiness: { cookie: 'other', header: 'x-user' } }, { stable: 'v2', weight: 0, salt: 'x' });
        assert.deepEqual(splitOf(await router.observeSplit(SERVICE)), moved);
      }));

    test(`${name} rejects an unknown service with SERVICE_NOT_FOUND; removeRoute ignores it`, () =>
      withRouter(async (router) => {
        await assert.rejects(router.observeSplit('nope'), hasCode('SERVICE_NOT_FOUND'));
        await assert.rejects(router.setSplit('nope', INITIAL), hasCode('SERVICE_NOT_FOUND'));
        await assert.rejects(router.reset('nope'), hasCode('SERVICE_NOT_FOUND'));
        await router.removeRoute('nope');
      }));

    test(`${name} rejects a weight outside 0..100 with INVALID_REQUEST and keeps the split`, () =>
      withRouter(async (router, route) => {
        await router.upsertRoute(route, INITIAL);
        await assert.rejects(router.setSplit(SERVICE, { ...INITIAL, weight: 120 }), hasCode('INVALID_REQUEST'));
        await assert.rejects(router.setSplit(SERVICE, { ...INITIAL, weight: -1 }), hasCode('INVALID_REQUEST'));
        assert.deepEqual(splitOf(await router.observeSplit(SERVICE)), INITIAL);
      }));

    test(`${name} setSplit with an aborted signal rejects and changes nothing`, () =>
      withRouter(async (router, route) => {
        await router.upsertRoute(route, INITIAL);
        const controller = new AbortController();
        controller.abort();
        await assert.rejects(router.setSplit(SERVICE, { ...INITIAL, weight: 90 }, controller.signal));
        assert.deepEqual(splitOf(await router.observeSplit(SERVICE)), INITIAL);
      }));

    test(`${name} removeRoute then observeSplit throws SERVICE_NOT_FOUND`, () =>
      withRouter(async (router, route) => {
        await router.upsertRoute(route, INITIAL);
        await router.removeRoute(SERVICE);
        await assert.rejects(router.observeSplit(SERVICE), hasCode('SERVICE_NOT_FOUND'));
        await router.removeRoute(SERVICE);
      }));

    test(`${name} upstreamUse says whether the route sends new requests to an endpoint`, () =>
      withRouter(async (router, route) => {
        const [endpoint] = route.backends['v1'] ?? [];
        assert.ok(endpoint !== undefined);
        await assert.rejects(router.upstreamUse(SERVICE, endpoint), hasCode('SERVICE_NOT_FOUND'));
        await router.upsertRoute(route, INITIAL);
        assert.deepEqual(await router.upstreamUse(SERVICE, endpoint), { routed: 'all', inflight: 0 });
        assert.deepEqual(await router.upstreamUse(SERVICE, 'http://127.0.0.1:9'), { routed: 'none', inflight: 0 }, 'never listed');
        const [canary] = route.backends['v2'] ?? [];
        assert.ok(canary !== undefined);
        await router.setSplit(SERVICE, { stable: 'v1', weight: 0, salt: INITIAL.salt });
        assert.equal((await router.upstreamUse(SERVICE, canary)).routed, 'all', 'listed for a version no request goes to yet: in the table, so a step may send it traffic');
        await router.setSplit(SERVICE, INITIAL);
        await router.upsertRoute({ ...route, backends: { ...route.backends, v1: [] } }, INITIAL);
        assert.deepEqual(await router.upstreamUse(SERVICE, endpoint), { routed: 'none', inflight: 0 }, 'dropped from the route');
        await router.upsertRoute(route, INITIAL);
        assert.equal((await router.upstreamUse(SERVICE, endpoint)).routed, 'all', 'listed again');
      }));

    test(`${name} close is idempotent`, () =>
      withRouter(async (router, route) => {
        await router.upsertRoute(route, INITIAL);
        await router.close();
        await router.close();
      }));

    registerRuleCases(name, withRouter);
  });
}

type WithRouter = (body: (router: TrafficRouter, route: RouteSpec) => Promise<void>) => Promise<void>;

/** Match rules and mirror: stored exactly, versioned like any split change, and dropped by reset. */
/**
 * The rules every router serves: all condition kinds, minus the client-address group for a router
 * without "source-match" (Gateway API and Istio cannot match on it; apply refuses such specs for them),
 * and the mirror only for a router with "mirror" (HAProxy has none).
 */
function rulesFor(router: TrafficRouter): TrafficSplit {
  const { mirror, ...rest } = ALL_RULES;
  const base = router.capabilities.has('mirror') && mirror !== undefined ? { ...rest, mirror } : rest;
  if (router.capabilities.has('source-match')) return base;
  const rules = (ALL_RULES.rules ?? []).map((rule) =>
    rule.name === 'segment:testers' ? { ...rule, conditions: [{ kind: 'header' as const, name: 'x-user-id', match: { in: ['u1', 'u2'] } }] } : rule,
  );
  return { ...base, rules };
}

function registerRuleCases(name: string, withRouter: WithRouter): void {
  test(`${name} setSplit with rules and mirror round-trips exactly through observeSplit`, () =>
    withRouter(async (router, route) => {
      const WITH_RULES = rulesFor(router);
      await router.upsertRoute(route, INITIAL);
      const before = await router.observeSplit(SERVICE);
      await router.setSplit(SERVICE, structuredClone(WITH_RULES));
      const after = await router.observeSplit(SERVICE);
      assert.deepEqual(splitOf(after), WITH_RULES);
      assert.ok(after.generation > before.generation);
      await router.setSplit(SERVICE, structuredClone(WITH_RULES));
      assert.equal((await router.observeSplit(SERVICE)).generation, after.generation, 'the same rules again change nothing');
    }));

  test(`${name} upsertRoute serves the rules and mirror of a new route's initial split`, () =>
    withRouter(async (router, route) => {
      const WITH_RULES = rulesFor(router);
      await router.upsertRoute(route, WITH_RULES);
      assert.deepEqual(splitOf(await router.observeSplit(SERVICE)), WITH_RULES);
    }));

  test(`${name} a change of rules or mirror alone is a new generation`, () =>
    withRouter(async (router, route) => {
      const WITH_RULES = rulesFor(router);
      await router.upsertRoute(route, WITH_RULES);
      const first = await router.observeSplit(SERVICE);
      const fewer: TrafficSplit = { ...WITH_RULES, rules: WITH_RULES.rules?.slice(1) ?? [] };
      await router.setSplit(SERVICE, fewer);
      const second = await router.observeSplit(SERVICE);
      assert.deepEqual(splitOf(second), fewer);
      assert.ok(second.generation > first.generation);
      if (!router.capabilities.has('mirror')) return;
      const { mirror: _mirror, ...unmirrored } = fewer;
      await router.setSplit(SERVICE, unmirrored);
      const third = await router.observeSplit(SERVICE);
      assert.deepEqual(splitOf(third), unmirrored);
      assert.ok(third.generation > second.generation);
    }));

  test(`${name} reset drops the rules and the mirror`, () =>
    withRouter(async (router, route) => {
      const WITH_RULES = rulesFor(router);
      await router.upsertRoute(route, WITH_RULES);
      await router.reset(SERVICE);
      assert.deepEqual(splitOf(await router.observeSplit(SERVICE)), { stable: 'v1', weight: 0, salt: INITIAL.salt });
    }));

  test(`${name} rejects a malformed rule or mirror with INVALID_REQUEST and keeps the split`, () =>
    withRouter(async (router, route) => {
      const WITH_RULES = rulesFor(router);
      await router.upsertRoute(route, WITH_RULES);
      const badRegex = { ...WITH_RULES, rules: [{ name: 'r', conditions: [{ kind: 'header', name: 'ua', match: { regex: '(' } }], action: { kind: 'version', version: 'v2' } }] } as TrafficSplit;
      await assert.rejects(router.setSplit(SERVICE, badRegex), hasCode('INVALID_REQUEST'));
      const badCidr = { ...WITH_RULES, rules: [{ name: 'r', conditions: [{ kind: 'sourceCidr', cidrs: ['10.0.0.0/33'] }], action: { kind: 'version', version: 'v2' } }] } as TrafficSplit;
      await assert.rejects(router.setSplit(SERVICE, badCidr), hasCode('INVALID_REQUEST'));
      if (!router.capabilities.has('source-match')) {
        // A router that cannot match the client address refuses a well-formed sourceCidr rule too, saying so.
        const cidr = { ...WITH_RULES, rules: [{ name: 'r', conditions: [{ kind: 'sourceCidr', cidrs: ['10.0.0.0/8'] }], action: { kind: 'version', version: 'v2' } }] } as TrafficSplit;
        await assert.rejects(router.setSplit(SERVICE, cidr), hasCode('UNSUPPORTED_CAPABILITY'));
      }
      await assert.rejects(router.setSplit(SERVICE, { ...WITH_RULES, mirror: { version: 'v2', percent: 101, maxBodyBytes: 0 } }), hasCode('INVALID_REQUEST'));
      if (!router.capabilities.has('mirror')) {
        await assert.rejects(router.setSplit(SERVICE, { ...WITH_RULES, mirror: { version: 'v2', percent: 5, maxBodyBytes: 0 } }), hasCode('UNSUPPORTED_CAPABILITY'));
      }
      assert.deepEqual(splitOf(await router.observeSplit(SERVICE)), WITH_RULES);
    }));
}
