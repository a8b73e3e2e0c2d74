import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import { evaluateFlag, type FlagContext, type FlagState } from '@sluice/domain';
import { InMemStorageProvider, Unleash, type UnleashConfig } from 'unleash-client';
import { startTestApi, type TestApi } from '../../http/testing/api-server.js';
import { readSnapshot } from '../flag-state.js';

/**
 * Unleash's official Node SDK (unleash-client 6.12.2), unchanged, against Sluice's /api/client:
 * it must evaluate every flag exactly as Sluice's own evaluator does, follow changes by polling and
 * by streaming, be refused with a wrong token, and its metrics must reach the flag usage.
 */

const TOKEN = 'interop-production-token-0123';
const APP = 'interop';

const doc = (kind: string, name: string, spec: string) => `apiVersion: sluice.dev/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec}`;

const SEGMENT = doc('Segment', 'pro-users', '  match:\n    - { header: plan, in: [pro] }\n');

const checkout = (rollout: number) =>
  doc(
    'Flag',
    'new-checkout',
    `  environments:
    production:
      enabled: true
      overrides:
        - { values: [u3] }
        - { values: [u7], enabled: false }
      rules:
        - constraints: [ { contextName: country, operator: IN, values: [de, at] } ]
      default: { rollout: ${rollout} }
`,
  );

const BUTTON = doc(
  'Flag',
  'button-color',
  `  type: string
  variants:
    - { name: blue, value: "#00f", weight: 20 }
    - { name: green, value: "#0f0", weight: 30 }
    - { name: red, value: "#f00", weight: 50 }
  environments:
    production: { enabled: true }
`,
);

const UPSELL = doc('Flag', 'upsell', '  prerequisites: [ { flag: new-checkout } ]\n  environments:\n    production: { enabled: true, default: { rollout: 80 } }\n');
const BANNER = doc('Flag', 'blue-banner', '  prerequisites: [ { flag: button-color, variants: [blue] } ]\n  environments:\n    production: { enabled: true }\n');

const DASHBOARD = doc(
  'Flag',
  'pro-dashboard',
  `  type: string
  variants:
    - { name: compact, value: c, weight: 50 }
    - { name: wide, value: w, weight: 50 }
  environments:
    production:
      enabled: true
      rules:
        - segments: [pro-users]
          rollout: 60
          variants: [ { name: wide, value: w, weight: 100 } ]
`,
);

const STAGING_ONLY = doc('Flag', 'staging-only', '  environments:\n    staging: { enabled: true }\n');

/** A sub-percent rollout: Unleash buckets are whole percents, so Unleash SDKs serve 12 % of it. */
const FINE_RAMP = doc('Flag', 'fine-ramp', '  environments:\n    production: { enabled: true, default: { rollout: 12.5 } }\n');

const FLAGS = ['new-checkout', 'button-color', 'upsell', 'blue-banner', 'pro-dashboard', 'staging-only'];
const ALL = [SEGMENT, checkout(50), BUTTON, UPSELL, BANNER, DASHBOARD, STAGING_ONLY, FINE_RAMP].join('---\n');

const COUNTRIES = ['de', 'at', 'fr', 'us', 'DE'];
const PLANS = ['pro', 'free', undefined];

/** 600 contexts: every user id with a country, and a plan for most. */
function contexts(): { userId: string; properties: Record<string, string> }[] {
  return Array.from({ length: 600 }, (_, i) => {
    const plan = PLANS[i % 3];
    return { userId: `u${i}`, properties: { country: COUNTRIES[i % COUNTRIES.length] as string, ...(plan ? { plan } : {}) } };
  });
}

const stripped = (v: { name: string; enabled: boolean; payload?: unknown; featureEnabled?: boolean | undefined }) => ({ name: v.name, enabled: v.enabled, payload: v.payload, featureEnabled: v.featureEnabled });

interface Disagreement {
  readonly flag: string;
  readonly userId: string;
  readonly sdk: unknown;
  readonly sluice: unknown;
}

/** Where the SDK and Sluice's evaluator differ, over every flag and context. */
function disagreements(unleash: Unleash, state: FlagState): Disagreement[] {
  const out: Disagreement[] = [];
  for (const ctx of contexts()) {
    const sluiceCtx: FlagContext = { ...ctx, appName: APP, environment: 'default' };
    for (const flag of FLAGS) {
      const sluice = evaluateFlag(state, flag, sluiceCtx);
      const variant = unleash.getVariant(flag, ctx);
      const sdk = { enabled: unleash.isEnabled(flag, ctx), variant: stripped({ ...variant, featureEnabled: variant.feature_enabled }) };
      const ours = { enabled: sluice.enabled, variant: stripped(sluice.variant) };
      if (JSON.stringify(sdk) !== JSON.stringify(ours)) out.push({ flag, userId: ctx.userId, sdk, sluice: ours });
    }
  }
  return out;
}

/** How many contexts the SDK has `flag` on for. */
function enabledCount(unleash: Unleash, flag: string): number {
  return contexts().filter((ctx) => unleash.isEnabled(flag, ctx)).length;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describe('unleash-client (official Node SDK) against Sluice', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const done of cleanup.splice(0).reverse()) await done();
  });

  async function server(): Promise<TestApi> {
    const api = await startTestApi({ flagTokens: [{ environment: 'production', token: TOKEN }] });
    cleanup.push(() => api.close());
    const applied = await api.call('/apply', { method: 'POST', body: ALL });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    return api;
  }

  /** An SDK instance; its errors and warnings are collected (an unhandled 'error' event would throw). */
  function sdk(api: TestApi, options: Partial<UnleashConfig> = {}): { unleash: Unleash; errors: Error[] } {
    const errors: Error[] = [];
    const unleash = new Unleash({
      url: `${api.url}/api/`,
      appName: APP,
      instanceId: `test-${cleanup.length}`,
      customHeaders: { Authorization: TOKEN },
      refreshInterval: 200,
      metricsInterval: 200,
      storageProvider: new InMemStorageProvider(),
      skipInstanceCountWarning: true,
      ...options,
    });
    unleash.on('error', (error: Error) => errors.push(error));
    unleash.on('warn', () => undefined);
    cleanup.push(() => unleash.destroy());
    return { unleash, errors };
  }

  const stateOf = async (api: TestApi) => (await readSnapshot(api.store, 'production')).state;

  test('evaluates every flag as Sluice does (600 contexts), then follows a change by polling', async () => {
    const api = await server();
    const { unleash, errors } = sdk(api);
    await once(unleash, 'synchronized');
    const state = await stateOf(api);
    assert.deepEqual(disagreements(unleash, state), []);
    assert.deepEqual(errors, []);

    // The comparison means something: the partial flags have both outcomes, the others one each.
    for (const flag of ['new-checkout', 'upsell', 'blue-banner', 'pro-dashboard']) {
      const on = enabledCount(unleash, flag);
      assert.ok(on > 0 && on < 600, `${flag} is on for ${on} of 600`);
    }
    assert.equal(enabledCount(unleash, 'staging-only'), 0);
    assert.equal(enabledCount(unleash, 'button-color'), 600);
    const colors = new Set(contexts().map((ctx) => unleash.getVariant('button-color', ctx).name));
    assert.deepEqual([...colors].sort(), ['blue', 'green', 'red']);
    assert.equal(unleash.isEnabled('new-checkout', { userId: 'u7', properties: { country: 'de' } }), false, 'the off override wins over the rule');
    assert.equal(unleash.getVariant('pro-dashboard', { userId: 'u0', properties: { plan: 'free' } }).enabled, false);

    const before = enabledCount(unleash, 'new-checkout');
    await api.call('/apply', { method: 'POST', body: checkout(90) });
    const after = await stateOf(api);
    await until(() => enabledCount(unleash, 'new-checkout') !== before, 3000, 'the SDK polls the new rollout');
    assert.deepEqual(disagreements(unleash, after), []);
    assert.ok(enabledCount(unleash, 'new-checkout') > before);
  });

  test('the documented difference: a fractional rollout is rounded down by the Unleash SDK', async () => {
    const api = await server();
    const { unleash } = sdk(api);
    await once(unleash, 'synchronized');
    const state = await stateOf(api);
    const wholePercent: FlagState = {
      ...state,
      features: state.features.map((f) => (f.name !== 'fine-ramp' ? f : { ...f, strategies: (f.strategies ?? []).map((s) => ({ ...s, parameters: { ...s.parameters, rollout: '12' } })) })),
    };
    const onFor = (enabled: (ctx: ReturnType<typeof contexts>[number]) => boolean) => contexts().filter(enabled).map((ctx) => ctx.userId);
    const sdkOn = onFor((ctx) => unleash.isEnabled('fine-ramp', ctx));
    const sluiceOn = onFor((ctx) => evaluateFlag(state, 'fine-ramp', ctx).enabled);
    assert.deepEqual(sdkOn, onFor((ctx) => evaluateFlag(wholePercent, 'fine-ramp', ctx).enabled), 'the SDK serves exactly the 12 % rollout');
    assert.ok(sdkOn.length > 0 && sluiceOn.length > sdkOn.length, `SDK ${sdkOn.length}, Sluice ${sluiceOn.length}`);
    assert.deepEqual(sdkOn.filter((id) => !sluiceOn.includes(id)), [], 'everyone the SDK serves, Sluice serves');
  });

  test('streaming mode: hydration, then a change reaches the SDK within a second', async () => {
    const api = await server();
    // Polling would take a minute: only the stream can deliver the change in time.
    const { unleash, errors } = sdk(api, { experimentalMode: { type: 'streaming' }, refreshInterval: 60_000 });
    await once(unleash, 'synchronized');
    assert.equal(api.flags.hub.subscribers, 1, 'the SDK holds a stream');
    assert.deepEqual(disagreements(unleash, await stateOf(api)), []);

    const before = enabledCount(unleash, 'new-checkout');
    await api.call('/apply', { method: 'POST', body: checkout(5) });
    const ms = await until(() => enabledCount(unleash, 'new-checkout') !== before, 1000, 'the stream delivers the change');
    assert.ok(ms <= 1000);
    assert.deepEqual(disagreements(unleash, await stateOf(api)), []);
    assert.deepEqual(errors, []);

    unleash.destroy();
    await until(() => api.flags.hub.subscribers === 0, 2000, 'the stream is closed and unsubscribed');
  });

  test('a wrong token gets 401 and the SDK reports an error', async () => {
    const api = await server();
    const res = await fetch(`${api.url}/api/client/features`, { headers: { authorization: 'wrong-token-0123456789abc' } });
    assert.equal(res.status, 401);
    assert.ok(((await res.json()) as { error?: unknown }).error);

    const { unleash, errors } = sdk(api, { customHeaders: { Authorization: 'wrong-token-0123456789abc' } });
    await until(() => errors.length > 0, 3000, 'the SDK reports the refusal');
    assert.match(errors[0]?.message ?? '', /401/);
    assert.equal(unleash.isSynchronized(), false);
    assert.equal(unleash.isEnabled('button-color', { userId: 'u1' }), false, 'nothing was loaded');
  });

  test('metrics the SDK sends arrive in the flag usage of the token environment', async () => {
    const api = await server();
    api.clock.set(Date.now() + 60_000); // usage is dated at the bucket's stop, never after the server's now
    const { unleash } = sdk(api);
    await once(unleash, 'synchronized');
    const startedAt = Date.now();
    for (let i = 0; i < 37; i++) unleash.isEnabled('new-checkout', { userId: `u${i}` });
    for (let i = 0; i < 11; i++) unleash.getVariant('button-color', { userId: `u${i}` });
    for (let i = 0; i < 5; i++) unleash.isEnabled('no-such-flag', { userId: `u${i}` });

    const counted = async () => {
      const usage = await api.store.flags.usage();
      return Object.fromEntries(usage.map((u) => [`${u.environment}/${u.flag}`, u.evaluations]));
    };
    await until(async () => Object.keys(await counted()).length >= 2, 3000, 'metrics arrive');
    // Metrics come in buckets every 200 ms; give a late bucket the chance to (wrongly) add more.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await counted(), { 'production/button-color': 11, 'production/new-checkout': 37 });
    const [usage] = await api.store.flags.usage();
    assert.ok(usage !== undefined && usage.lastEvaluatedAt >= startedAt - 1000 && usage.lastEvaluatedAt <= Date.now() + 1000, `lastEvaluatedAt ${usage?.lastEvaluatedAt}`);
  });
});
