import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flagClosureState, flagStateFor } from '../flags/compile-flag.js';
import { evaluateFlag } from '../flags/evaluate.js';
import type { Flag, FlagEnvironmentSpec, FlagSpec } from '../flags/flag-resource.js';
import { compileRules } from './compile-rules.js';
import { describeConditions } from './describe-rule.js';
import type { Condition, ConditionSpec, RequestView, RouteRule } from './routing.js';
import { NEVER, resolveConditions, type Segment } from './segment.js';
import { copySplit, equalRules } from './split.js';

const ENV = 'production';

function env(partial: Partial<FlagEnvironmentSpec>): FlagEnvironmentSpec {
  return { enabled: true, overrides: [], rules: [], default: { rollout: 0, stickiness: 'default' }, ...partial };
}

function flag(name: string, production: FlagEnvironmentSpec, more: Partial<FlagSpec> = {}): Flag {
  const spec: FlagSpec = { kind: 'release', type: 'boolean', variants: [], prerequisites: [], environments: { [ENV]: production }, ...more };
  return { name, spec, version: 1, createdAt: 0, updatedAt: 0 };
}

const half = flag('checkout', env({ default: { rollout: 50, stickiness: 'default' } }));
const banner = flag('banner', env({ default: { rollout: 100, stickiness: 'default' } }), {
  type: 'string',
  variants: [
    { name: 'blue', value: 'b', weight: 50 },
    { name: 'green', value: 'g', weight: 50 },
  ],
});
const plan = flag('pro-only', env({ rules: [{ name: 'pro', constraints: [{ contextName: 'X-Plan', operator: 'IN', values: ['pro'] }], segments: [], rollout: 100, stickiness: 'default', variants: [] }] }));
const office = flag('office', env({ rules: [{ name: 'lan', constraints: [], segments: ['lan'], rollout: 100, stickiness: 'default', variants: [] }] }));
const lan: Segment = { name: 'lan', version: 1, spec: { match: [{ kind: 'sourceCidr', cidrs: ['10.0.0.0/8'] }] } };
const parentOff = flag('parent', env({ enabled: false }));
const child = flag('child', env({ default: { rollout: 100, stickiness: 'default' } }), { prerequisites: [{ flag: 'parent', enabled: true, variants: [] }] });
const all = [half, banner, plan, office, parentOff, child];

function lookup(flags: readonly Flag[]) {
  return (name: string, environment: string) => flagClosureState(flags, [lan], name, environment);
}

/** A RequestView recording which attributes were read. */
function request(key: string, headers: Record<string, string> = {}, sourceIp = '127.0.0.1', asked: string[] = []): RequestView {
  return {
    method: 'GET',
    path: '/',
    header: (name) => (asked.push(`header:${name}`), headers[name]),
    cookie: () => undefined,
    query: () => undefined,
    sourceIp,
    get stickyKey() {
      asked.push('stickyKey');
      return key;
    },
  };
}

function matcher(conditions: ConditionSpec[], flags: readonly Flag[] = all) {
  const rules: RouteRule[] = [{ name: 'r', conditions: resolveConditions(conditions, () => lan, lookup(flags)), action: { kind: 'version', version: 'v2' } }];
  const compiled = compileRules(rules);
  return (r: RequestView) => compiled.match(r) !== undefined;
}

const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);

describe('flag conditions', () => {
  test('a user matches exactly when the shared evaluator says the flag is on for their stickiness key', () => {
    const matches = matcher([{ kind: 'flag', flag: 'checkout', environment: ENV }]);
    const state = flagStateFor(all, [lan], ENV);
    const expected = users.filter((u) => evaluateFlag(state, 'checkout', { userId: u }).enabled);
    assert.deepEqual(users.filter((u) => matches(request(u))), expected);
    assert.ok(expected.length > 50 && expected.length < 150, `about half the users get a 50 % flag (${expected.length})`);
  });

  test('a variant condition matches exactly the users served that variant', () => {
    const matches = matcher([{ kind: 'flag', flag: 'banner', environment: ENV, variant: 'blue' }]);
    const state = flagStateFor(all, [lan], ENV);
    const blue = users.filter((u) => evaluateFlag(state, 'banner', { userId: u }).variant.name === 'blue');
    assert.deepEqual(users.filter((u) => matches(request(u))), blue);
    assert.ok(blue.length > 50 && blue.length < 150);
  });

  test('a flag that is off, or another environment, matches nobody', () => {
    assert.equal(users.some((u) => matcher([{ kind: 'flag', flag: 'parent', environment: ENV }])(request(u))), false);
    assert.equal(users.some((u) => matcher([{ kind: 'flag', flag: 'banner', environment: 'staging' }])(request(u))), false);
  });

  test('prerequisites are respected: the child is on only while its parent is', () => {
    const condition: ConditionSpec[] = [{ kind: 'flag', flag: 'child', environment: ENV }];
    assert.equal(matcher(condition)(request('u1')), false);
    const parentOn = flag('parent', env({ default: { rollout: 100, stickiness: 'default' } }));
    assert.equal(matcher(condition, [parentOn, child])(request('u1')), true);
  });

  test('a flag that does not exist resolves to NEVER and matches nobody', () => {
    const resolved = resolveConditions([{ kind: 'flag', flag: 'gone', environment: ENV }], () => undefined, lookup(all));
    assert.deepEqual(resolved, [NEVER]);
    assert.equal(matcher([{ kind: 'flag', flag: 'gone', environment: ENV }])(request('u1')), false);
    // Without a flag lookup at all (a caller that inlines only segments), the same.
    assert.deepEqual(resolveConditions([{ kind: 'flag', flag: 'checkout', environment: ENV }], () => undefined), [NEVER]);
  });

  test('context properties are the request headers by lower-case name', () => {
    const matches = matcher([{ kind: 'flag', flag: 'pro-only', environment: ENV }]);
    const asked: string[] = [];
    assert.equal(matches(request('u1', { 'x-plan': 'pro' }, '127.0.0.1', asked)), true);
    assert.ok(asked.includes('header:x-plan'), asked.join());
    assert.equal(matches(request('u1', { 'x-plan': 'basic' })), false);
    assert.equal(matches(request('u1')), false);
  });

  test('remoteAddress is the client address (a flag segment on sourceCidr)', () => {
    const matches = matcher([{ kind: 'flag', flag: 'office', environment: ENV }]);
    assert.equal(matches(request('u1', {}, '10.1.2.3')), true);
    assert.equal(matches(request('u1', {}, '192.168.1.1')), false);
  });

  test('a flag condition in a segment is inlined with the segment', () => {
    const testers: Segment = { name: 'half', version: 1, spec: { match: [{ kind: 'flag', flag: 'checkout', environment: ENV }] } };
    const [resolved] = resolveConditions([{ kind: 'segment', segment: 'half' }], () => testers, lookup(all));
    assert.equal(resolved?.kind, 'anyOf');
    const compiled = compileRules([{ name: 'r', conditions: [resolved as Condition], action: { kind: 'version', version: 'v2' } }]);
    const state = flagStateFor(all, [lan], ENV);
    const expected = users.filter((u) => evaluateFlag(state, 'checkout', { userId: u }).enabled);
    assert.deepEqual(users.filter((u) => compiled.match(request(u)) !== undefined), expected);
  });

  test('rules without flag conditions never read the stickiness key', () => {
    const compiled = compileRules([{ name: 'r', conditions: [{ kind: 'header', name: 'x-a', match: { exact: 'b' } }], action: { kind: 'version', version: 'v2' } }]);
    const asked: string[] = [];
    compiled.match(request('u1', {}, '127.0.0.1', asked));
    assert.deepEqual(asked, ['header:x-a']);
  });

  test('a malformed flag condition is rejected naming the field', () => {
    const bad = [{ name: 'r', conditions: [{ kind: 'flag', flag: 'x', environment: ENV }], action: { kind: 'version', version: 'v2' } }] as unknown as RouteRule[];
    assert.throws(() => compileRules(bad), /rules\[0\]\.conditions\[0\]\.state/);
  });

  test('described for people, and a changed flag state is a different rule list', () => {
    assert.equal(describeConditions([{ kind: 'flag', flag: 'banner', environment: ENV, variant: 'blue' }]), 'flag banner on in production with variant blue');
    const before = resolveConditions([{ kind: 'flag', flag: 'checkout', environment: ENV }], () => undefined, lookup(all));
    const raised = flag('checkout', env({ default: { rollout: 100, stickiness: 'default' } }));
    const after = resolveConditions([{ kind: 'flag', flag: 'checkout', environment: ENV }], () => undefined, lookup([raised]));
    const rule = (conditions: Condition[]): RouteRule => ({ name: 'r', conditions, action: { kind: 'version', version: 'v2' } });
    const served = copySplit({ stable: 'v1', weight: 0, salt: 's', rules: [rule(before)] });
    assert.equal(equalRules(served.rules, [rule(before)]), true);
    assert.equal(equalRules(served.rules, [rule(after)]), false);
  });
});
