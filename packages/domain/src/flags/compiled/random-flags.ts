/**
 * Seeded random flag states and contexts for differential tests of the compiled evaluator: every
 * strategy, operator and variant shape the evaluator knows (and a few it does not), plus malformed
 * definitions (wrong types, missing segments, bad payloads) at a small rate.
 */
import type { FlagContext } from '../model.js';

type Rand = () => number;
type Json = unknown;

export const FLAG_NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];
const USERS = ['u1', 'u2', 'u3', 'alice', 'bob', 'ünï', '🙂-7', '42'];
const COUNTRIES = ['DE', 'FR', 'NL', 'de', 'US', ' DE'];
const IPS = ['10.0.0.1', '10.1.2.3', '192.168.1.20', '::1', '2001:db8::5', 'not-an-ip'];
const OPERATORS = [
  'IN', 'NOT_IN', 'STR_STARTS_WITH', 'STR_ENDS_WITH', 'STR_CONTAINS', 'NUM_EQ', 'NUM_GT', 'NUM_GTE', 'NUM_LT', 'NUM_LTE',
  'DATE_AFTER', 'DATE_BEFORE', 'SEMVER_EQ', 'SEMVER_GT', 'SEMVER_GTE', 'SEMVER_LT', 'SEMVER_LTE', 'REGEX', 'IN_CIDR', 'BOGUS',
];
const FIELDS = ['userId', 'sessionId', 'remoteAddress', 'country', 'age', 'version', 'currentTime', 'tenant', 'appName'];
const SINGLE: Readonly<Record<string, readonly Json[]>> = {
  NUM: ['10', '3.5', 7, 'x', ''],
  DATE: ['2024-01-01T00:00:00Z', '2030-06-01T00:00:00.000Z', 'nope'],
  SEMVER: ['1.2.3', '2.0.0-beta.1', 'v1', '1.10.0'],
  REGEX: ['^u[0-9]$', '(?i)ALICE', 'a(?=b)', '[[:alpha:]]+', '\\d+', '['],
};

const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const chance = (rand: Rand, p: number): boolean => rand() < p;
const some = <T>(rand: Rand, max: number, make: () => T): T[] => Array.from({ length: Math.floor(rand() * (max + 1)) }, make);

function constraint(rand: Rand): Json {
  if (chance(rand, 0.02)) return pick(rand, [null, 'x', { operator: 'IN' }, { contextName: 'a', operator: 'IN', values: [1] }]);
  const operator = pick(rand, OPERATORS);
  const kind = Object.keys(SINGLE).find((k) => operator.startsWith(k));
  const c: Record<string, Json> = { contextName: pick(rand, FIELDS), operator };
  if (kind && chance(rand, 0.9)) c['value'] = pick(rand, SINGLE[kind] as Json[]);
  else c['values'] = some(rand, 3, () => pick(rand, [...USERS, ...COUNTRIES, ...IPS, '10.0.0.0/8', '2001:db8::/32', '', 'u', 'e']));
  if (chance(rand, 0.2)) c['inverted'] = true;
  if (chance(rand, 0.2)) c['caseInsensitive'] = true;
  return c;
}

function variant(rand: Rand): Json {
  if (chance(rand, 0.02)) return pick(rand, [{ name: 'v', weight: -1 }, { weight: 1 }, { name: 'v', weight: 1, payload: { type: 'string' } }]);
  const v: Record<string, Json> = { name: pick(rand, ['red', 'green', 'blue', 'x']), weight: pick(rand, [0, 1, 50, 333, 500, 1000, 0.5]) };
  if (chance(rand, 0.3)) v['stickiness'] = pick(rand, ['default', 'userId', 'sessionId', 'tenant', null]);
  if (chance(rand, 0.5)) {
    v['payload'] = pick(rand, [
      { type: 'string', value: 'hello' }, { type: 'number', value: '2.5' }, { type: 'number', value: 'abc' },
      { type: 'json', value: '{"n":[1,2]}' }, { type: 'json', value: '{bad' }, { type: 'csv', value: 'a,b' },
    ]);
  }
  if (chance(rand, 0.2)) v['overrides'] = [{ contextName: pick(rand, FIELDS), values: some(rand, 2, () => pick(rand, [...USERS, ...COUNTRIES])) }];
  return v;
}

function parameters(rand: Rand, name: string): Json {
  const p: Record<string, Json> = {};
  const percent = (): Json => pick(rand, [0, 10, 50, 100, '0.5', '12.25', '33', 'x', 99.99, '']);
  if (name === 'flexibleRollout') {
    p['rollout'] = percent();
    p['stickiness'] = pick(rand, ['default', 'userId', 'sessionId', 'random', 'tenant', '']);
    if (chance(rand, 0.5)) p['groupId'] = pick(rand, ['g1', 'grp', '', 7]);
  } else if (name.startsWith('gradualRollout')) {
    p['percentage'] = percent();
    if (chance(rand, 0.5)) p['groupId'] = pick(rand, ['g1', '']);
  } else if (name === 'userWithId') p['userIds'] = some(rand, 3, () => pick(rand, USERS)).join(', ');
  else if (name === 'remoteAddress') p['IPs'] = some(rand, 3, () => pick(rand, [...IPS, '10.0.0.0/8', '192.168.0.0/16'])).join(',');
  else if (name === 'applicationHostname') p['hostNames'] = pick(rand, ['host-a', 'HOST-A,other', '']);
  return chance(rand, 0.02) ? 'bad' : p;
}

function strategy(rand: Rand): Json {
  if (chance(rand, 0.02)) return pick(rand, [null, { parameters: {} }]);
  const name = pick(rand, ['default', 'flexibleRollout', 'flexibleRollout', 'gradualRolloutUserId', 'gradualRolloutSessionId',
    'gradualRolloutRandom', 'userWithId', 'remoteAddress', 'applicationHostname', 'custom']);
  const s: Record<string, Json> = { name, parameters: parameters(rand, name) };
  if (chance(rand, 0.6)) s['constraints'] = some(rand, 2, () => constraint(rand));
  if (chance(rand, 0.2)) s['segments'] = some(rand, 2, () => pick(rand, [1, 2, 3, 9]));
  if (chance(rand, 0.2)) s['variants'] = some(rand, 3, () => variant(rand));
  return s;
}

function feature(rand: Rand): Json {
  if (chance(rand, 0.02)) return pick(rand, [null, 5, { name: 'a' }, { name: 'b', enabled: 'yes' }, { name: 'c', enabled: true, strategies: {} }]);
  const f: Record<string, Json> = { name: pick(rand, FLAG_NAMES), enabled: chance(rand, 0.85) };
  if (chance(rand, 0.9)) f['strategies'] = some(rand, 3, () => strategy(rand));
  if (chance(rand, 0.3)) f['variants'] = some(rand, 3, () => variant(rand));
  if (chance(rand, 0.25)) {
    f['dependencies'] = some(rand, 2, () =>
      chance(rand, 0.03)
        ? { enabled: true }
        : { feature: pick(rand, [...FLAG_NAMES, 'zz']), ...(chance(rand, 0.3) ? { enabled: false } : {}), ...(chance(rand, 0.3) ? { variants: ['red', 'x'] } : {}) },
    );
  }
  return f;
}

function segment(rand: Rand, id: number): Json {
  if (chance(rand, 0.05)) return { id, constraints: 'bad' };
  return { id, name: `s${id}`, constraints: some(rand, 2, () => constraint(rand)) };
}

/** A random state (as untrusted JSON: the evaluators must cope with whatever it holds). */
export function randomState(rand: Rand): Json {
  if (chance(rand, 0.01)) return { features: 'nope' };
  const features = Array.from({ length: 2 + Math.floor(rand() * 6) }, () => feature(rand));
  const segments = chance(rand, 0.02) ? { 1: 'x' } : [1, 2, 3].filter(() => chance(rand, 0.8)).map((id) => segment(rand, id));
  return { features, segments };
}

/** A random context: mostly strings, sometimes numbers, sometimes empty. */
export function randomContext(rand: Rand): FlagContext {
  if (chance(rand, 0.05)) return {};
  const properties: Record<string, string | number> = {};
  if (chance(rand, 0.7)) properties['country'] = pick(rand, COUNTRIES);
  if (chance(rand, 0.5)) properties['age'] = pick(rand, ['12', '3.5', 40, 'old']);
  if (chance(rand, 0.5)) properties['version'] = pick(rand, ['1.2.3', '2.0.0-alpha', '1.10.0', 'v2']);
  if (chance(rand, 0.4)) properties['tenant'] = pick(rand, ['acme', 'globex', 'ACME']);
  const context: Record<string, unknown> = { properties };
  if (chance(rand, 0.85)) context['userId'] = chance(rand, 0.05) ? 42 : pick(rand, USERS);
  if (chance(rand, 0.5)) context['sessionId'] = `s-${Math.floor(rand() * 50)}`;
  if (chance(rand, 0.5)) context['remoteAddress'] = pick(rand, IPS);
  if (chance(rand, 0.3)) context['currentTime'] = pick(rand, ['2025-01-01T00:00:00Z', '2031-01-01T00:00:00Z', 'bad']);
  if (chance(rand, 0.2)) context['appName'] = 'web';
  return context as FlagContext;
}
