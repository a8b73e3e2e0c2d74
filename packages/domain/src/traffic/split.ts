import { ErrorCode, SluiceError } from '../errors.js';
import { isValidWeight } from '../rollouts/step.js';
import { compileRules } from './compile-rules.js';
import type { TrafficSplit } from './route-table.js';
import { MAX_MIRROR_BODY_BYTES, type Condition, type MirrorSpec, type RouteRule, type StringMatch } from './routing.js';

/** Rejects a malformed split (INVALID_REQUEST naming the field) before any data plane sees it. */
export function checkSplit(service: string, split: TrafficSplit): void {
  const fail = (field: string, found: unknown, expected: string): never => {
    const text = JSON.stringify(found) ?? 'missing';
    throw new SluiceError(
      ErrorCode.INVALID_REQUEST,
      `split for "${service}": ${field} is ${text.length > 80 ? `${text.slice(0, 77)}...` : text}; expected ${expected}`,
      { details: { service, field } },
    );
  };
  if (typeof split.stable !== 'string' || split.stable === '') fail('stable', split.stable, 'a version name');
  if (split.canary !== undefined && (typeof split.canary !== 'string' || split.canary === '')) {
    fail('canary', split.canary, 'a version name or nothing');
  }
  if (typeof split.weight !== 'number' || !(split.weight >= 0 && split.weight <= 100)) {
    fail('weight', split.weight, 'a number from 0 to 100');
  }
  if (typeof split.salt !== 'string') fail('salt', split.salt, 'a string');
  if (split.rules !== undefined) compileRules(split.rules, fail);
  if (split.mirror !== undefined) checkMirror(split.mirror, fail);
}

function checkMirror(mirror: MirrorSpec, fail: (field: string, found: unknown, expected: string) => never): void {
  if (mirror === null || typeof mirror !== 'object') fail('mirror', mirror, 'a map with version, percent and maxBodyBytes');
  if (typeof mirror.version !== 'string' || mirror.version === '') fail('mirror.version', mirror.version, 'a version name');
  if (typeof mirror.percent !== 'number' || !isValidWeight(mirror.percent)) {
    fail('mirror.percent', mirror.percent, 'a number from 0 to 100 in steps of 0.01');
  }
  const max = mirror.maxBodyBytes;
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0 || max > MAX_MIRROR_BODY_BYTES) {
    fail('mirror.maxBodyBytes', max, `an integer from 0 to ${MAX_MIRROR_BODY_BYTES}`);
  }
}

function copyMatch(match: StringMatch): StringMatch {
  if ('exact' in match) return Object.freeze({ exact: match.exact });
  if ('prefix' in match) return Object.freeze({ prefix: match.prefix });
  if ('regex' in match) return Object.freeze({ regex: match.regex });
  return Object.freeze({ in: Object.freeze([...match.in]) });
}

/** A deep frozen copy of a JSON-like value. */
function frozenCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = frozenCopy(item);
  return Object.freeze(out) as T;
}

function copyCondition(condition: Condition): Condition {
  switch (condition.kind) {
    case 'header':
    case 'cookie':
    case 'query':
      return Object.freeze({ kind: condition.kind, name: condition.name, match: copyMatch(condition.match) });
    case 'pathPrefix':
      return Object.freeze({ kind: condition.kind, prefix: condition.prefix });
    case 'method':
      return Object.freeze({ kind: condition.kind, methods: Object.freeze([...condition.methods]) });
    case 'sourceCidr':
      return Object.freeze({ kind: condition.kind, cidrs: Object.freeze([...condition.cidrs]) });
    case 'flag': {
      const { flag, environment, variant, state } = condition;
      return Object.freeze({ kind: condition.kind, flag, environment, ...(variant === undefined ? {} : { variant }), state: frozenCopy(state) });
    }
    case 'anyOf':
      return Object.freeze({ kind: condition.kind, groups: Object.freeze(condition.groups.map((g) => Object.freeze(g.map(copyCondition)))) });
  }
}

/** A deep frozen copy of a rule holding only its defined fields. */
export function copyRule(rule: RouteRule): RouteRule {
  const { action: a } = rule;
  const action =
    a.kind === 'version'
      ? { kind: a.kind, version: a.version }
      : { kind: a.kind, canary: a.canary, weight: a.weight, ...(a.salt === undefined ? {} : { salt: a.salt }) };
  return Object.freeze({ name: rule.name, conditions: Object.freeze(rule.conditions.map(copyCondition)), action: Object.freeze(action) });
}

/**
 * A private, deeply frozen copy, so a caller mutating its object later cannot change what is served.
 * An empty `rules` list is dropped: it means the same as none.
 */
export function copySplit(split: TrafficSplit): TrafficSplit {
  const { stable, canary, weight, salt, rules, mirror } = split;
  return Object.freeze({
    stable,
    ...(canary === undefined ? {} : { canary }),
    weight,
    salt,
    ...(rules === undefined || rules.length === 0 ? {} : { rules: Object.freeze(rules.map(copyRule)) }),
    ...(mirror === undefined ? {} : { mirror: Object.freeze({ version: mirror.version, percent: mirror.percent, maxBodyBytes: mirror.maxBodyBytes }) }),
  });
}

/** Structural equality of JSON-like values; a key holding undefined counts as absent. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  const left = Object.entries(a).filter(([, v]) => v !== undefined);
  const right = b as Record<string, unknown>;
  const rightCount = Object.values(right).filter((v) => v !== undefined).length;
  return left.length === rightCount && left.every(([k, v]) => sameJson(v, right[k]));
}

/** Equal rule lists (order matters); absent and empty are the same. */
export function equalRules(a: readonly RouteRule[] | undefined, b: readonly RouteRule[] | undefined): boolean {
  return sameJson(a ?? [], b ?? []);
}

/** Field-by-field equality of two splits, rules and mirror included. */
export function equalSplits(a: TrafficSplit, b: TrafficSplit): boolean {
  return (
    a.stable === b.stable &&
    a.canary === b.canary &&
    a.weight === b.weight &&
    a.salt === b.salt &&
    equalRules(a.rules, b.rules) &&
    sameJson(a.mirror, b.mirror)
  );
}
