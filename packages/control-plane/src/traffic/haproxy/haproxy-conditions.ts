import type { Condition, RouteRule, StringMatch, TrafficSplit } from '@sluice/domain';
import { backendName, fetchArg, quote, seedOf, unsupported } from './haproxy-names.js';

/**
 * Translates a split's match rules into frontend lines: one named ACL per basic condition, one
 * boolean variable per `anyOf` (HAProxy conditions have no parentheses, so a group of ORs is
 * evaluated into `txn.aN` first), then per rule a `set-var(txn.route)` guarded by "no rule matched
 * yet" and the version the rule sends to in `txn.be`. Flag conditions are refused: HAProxy cannot
 * evaluate a feature flag.
 */
export interface RuleLines {
  readonly acls: readonly string[];
  readonly rules: readonly string[];
}

const UNMATCHED = '!{ var(txn.route) -m found }';

/** The matching part of an ACL; undefined for an empty `in` list (never true). */
function matchPattern(match: StringMatch): string | undefined {
  if ('exact' in match) return `-m str ${quote(match.exact)}`;
  if ('prefix' in match) return `-m beg ${quote(match.prefix)}`;
  if ('regex' in match) return `-m reg ${quote(`^(?:${match.regex})$`)}`;
  return match.in.length === 0 ? undefined : `-m str ${match.in.map(quote).join(' ')}`;
}

function attributeAcl(fetch: string, match: StringMatch): string {
  const pattern = matchPattern(match);
  return pattern === undefined ? 'always_false' : `${fetch} ${pattern}`;
}

/** "::ffff:192.168.0.0/120" → "192.168.0.0/24": HAProxy compares an IPv4 client with IPv4 patterns. */
function cidrPattern(cidr: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?$/i.exec(cidr);
  if (mapped === null) return cidr;
  const bits = mapped[2] === undefined ? 128 : Number(mapped[2]);
  return `${mapped[1]}/${Math.max(0, bits - 96)}`;
}

function basicAcl(condition: Exclude<Condition, { kind: 'anyOf' }>): string {
  switch (condition.kind) {
    case 'header':
      return attributeAcl(`req.fhdr(${fetchArg('header', condition.name)})`, condition.match);
    case 'cookie':
      return attributeAcl(`req.cook(${fetchArg('cookie', condition.name)})`, condition.match);
    case 'query':
      return attributeAcl(`urlp(${fetchArg('query parameter', condition.name)})`, condition.match);
    case 'pathPrefix':
      return `path -m beg ${quote(condition.prefix)}`;
    case 'method':
      return condition.methods.length === 0 ? 'always_false' : `method ${condition.methods.map(quote).join(' ')}`;
    case 'sourceCidr':
      return condition.cidrs.length === 0 ? 'always_false' : `src ${condition.cidrs.map(cidrPattern).join(' ')}`;
    case 'flag':
      throw unsupported(`cannot evaluate the feature flag condition "${condition.flag}" (flags need the built-in proxy)`);
  }
}

class RuleWriter {
  readonly acls: string[] = [];
  readonly rules: string[] = [];
  #next = 0;

  /** The terms (ANDed in an `if`) standing for `conditions`. */
  terms(conditions: readonly Condition[]): string[] {
    return conditions.map((c) => (c.kind === 'anyOf' ? this.#anyOf(c.groups) : this.#basic(c)));
  }

  #basic(condition: Exclude<Condition, { kind: 'anyOf' }>): string {
    const acl = basicAcl(condition);
    if (acl === 'always_false') return 'FALSE';
    const name = `c${this.#next++}`;
    this.acls.push(`acl ${name} ${acl}`);
    return name;
  }

  #anyOf(groups: readonly (readonly Condition[])[]): string {
    if (groups.length === 0) return 'FALSE';
    const alternatives = groups.map((group) => (group.length === 0 ? 'TRUE' : this.terms(group).join(' ')));
    const name = `txn.a${this.#next++}`;
    this.rules.push(`http-request set-var(${name}) bool(1) if ${UNMATCHED} ${alternatives.join(' || ')}`);
    return `{ var(${name}) -m bool }`;
  }
}

function ruleAction(rule: RouteRule, index: number, split: TrafficSplit, service: string): string[] {
  const here = `{ var(txn.route) -m int ${index} }`;
  const action = rule.action;
  if (action.kind === 'version') return [`http-request set-var(txn.be) str(${backendName(service, action.version)}) if ${here}`];
  const canary = `http-request set-var(txn.be) str(${backendName(service, action.canary)}) if ${here}`;
  const stable = `http-request set-var(txn.be) var(txn.split),field(2,|) if ${here} !{ var(txn.be) -m found }`;
  if (action.weight >= 100) return [canary];
  if (action.weight <= 0) return [stable];
  const seed = seedOf(`${action.salt ?? split.salt}:${rule.name}`);
  const threshold = Math.round(action.weight * 100);
  return [
    `http-request set-var(txn.rb) var(txn.key),xxh32(${seed}),mod(10000) if ${here}`,
    `${canary} { var(txn.rb) -m int lt ${threshold} }`,
    stable,
  ];
}

/** The ACLs and `http-request` lines of a split's rules, in order; the first matching rule wins. */
export function renderRules(service: string, split: TrafficSplit): RuleLines {
  const writer = new RuleWriter();
  (split.rules ?? []).forEach((rule, index) => {
    const terms = writer.terms(rule.conditions);
    writer.rules.push(`http-request set-var(txn.route) int(${index}) if ${[UNMATCHED, ...terms].join(' ')}`);
    writer.rules.push(...ruleAction(rule, index, split, service));
  });
  return { acls: writer.acls, rules: writer.rules };
}

/** Every version a split may send a request to (stable, canary, rule targets). */
export function versionsOf(split: TrafficSplit): string[] {
  const out = new Set<string>([split.stable]);
  if (split.canary !== undefined) out.add(split.canary);
  for (const rule of split.rules ?? []) out.add(rule.action.kind === 'version' ? rule.action.version : rule.action.canary);
  return [...out];
}
