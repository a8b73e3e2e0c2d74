import type { FlagState } from '../flags/model.js';
import { bucketOf, inCanary } from './bucket.js';

/**
 * Match rules the data plane evaluates before the weighted split. The first rule whose conditions
 * all hold decides the version; a request no rule matches goes through the weighted split.
 */

/** How a request attribute is compared. A missing attribute never matches. */
export type StringMatch =
  | { readonly exact: string }
  | { readonly prefix: string }
  /** Must match the whole value (it is anchored as ^(?:regex)$); at most MAX_REGEX_LENGTH characters. */
  | { readonly regex: string }
  | { readonly in: readonly string[] };

/** A condition on a named request attribute: a header (lower-case name), a cookie or a query parameter. */
export interface AttributeCondition {
  readonly kind: 'header' | 'cookie' | 'query';
  readonly name: string;
  readonly match: StringMatch;
}

/** The request path (without the query string) starts with `prefix` (plain string prefix). */
export interface PathPrefixCondition {
  readonly kind: 'pathPrefix';
  readonly prefix: string;
}

/** The request method is one of `methods` (upper-case, compared exactly). */
export interface MethodCondition {
  readonly kind: 'method';
  readonly methods: readonly string[];
}

/** The client address is inside one of `cidrs` (IPv4 or IPv6; IPv4-mapped IPv6 addresses match IPv4 ranges). */
export interface SourceCidrCondition {
  readonly kind: 'sourceCidr';
  readonly cidrs: readonly string[];
}

/** True when every condition of at least one group holds. No groups: never true. */
export interface AnyOfCondition<C> {
  readonly kind: 'anyOf';
  readonly groups: readonly (readonly C[])[];
}

export type BasicCondition = AttributeCondition | PathPrefixCondition | MethodCondition | SourceCidrCondition;

/**
 * The flag `flag` is on in `environment` for this request's user (and serves `variant`, when given).
 * The evaluation context is built from the request: userId = the stickiness key, remoteAddress =
 * the client address, properties = the headers by lower-case name. As written and stored.
 */
export interface FlagConditionSpec {
  readonly kind: 'flag';
  readonly flag: string;
  readonly environment: string;
  readonly variant?: string;
}

/**
 * A flag condition as a data plane receives it: the flag compiled for its environment, with its
 * prerequisites and the segments they use inlined in `state`, so the data plane needs no store.
 */
export interface FlagCondition extends FlagConditionSpec {
  readonly state: FlagState;
}

/** A condition as the data plane receives it: segments and flags already inlined. */
export type Condition = BasicCondition | FlagCondition | AnyOfCondition<Condition>;

/** A reference to a Segment by name; only in specs and stored state, never sent to a data plane. */
export interface SegmentRef {
  readonly kind: 'segment';
  readonly segment: string;
}

/** A condition as written in a spec: may name a Segment or a Flag, resolved by the control plane. */
export type ConditionSpec = BasicCondition | SegmentRef | FlagConditionSpec | AnyOfCondition<ConditionSpec>;

/** What a matching rule does: send to one version, or split its matches with its own weight. */
export type RuleAction = { readonly kind: 'version'; readonly version: string } | RuleSplit;

/** `weight` percent (0..100, 0.01 resolution) of the matching users go to `canary`, the rest to the split's stable. */
export interface RuleSplit {
  readonly kind: 'split';
  readonly canary: string;
  readonly weight: number;
  /**
   * Bucketing salt of this rule; the split's salt when absent. The control plane sets the service
   * name on a service's static routes, so their users keep their version across rollouts.
   */
  readonly salt?: string;
}

/** One ordered rule. `conditions` are ANDed; a rule with no conditions matches every request. */
export interface RouteRule<C = Condition> {
  readonly name: string;
  readonly conditions: readonly C[];
  readonly action: RuleAction;
}

/** A rule as specs and rollout status hold it (segments by name). */
export type RouteRuleSpec = RouteRule<ConditionSpec>;

/** Copies `percent` of requests to `version`; its responses are discarded and never reach the user. */
export interface MirrorSpec {
  readonly version: string;
  /** Percent of requests copied, 0..100 in steps of 0.01. */
  readonly percent: number;
  /** Requests with a larger body (or an unknown length beyond it) are not mirrored. */
  readonly maxBodyBytes: number;
}

/** 1 MiB: requests with larger bodies are not mirrored unless a step says otherwise. */
export const DEFAULT_MIRROR_MAX_BODY_BYTES = 1024 * 1024;
/** 64 MiB: the most a mirror may buffer per request. */
export const MAX_MIRROR_BODY_BYTES = 64 * 1024 * 1024;
/** Longest accepted regex source. */
export const MAX_REGEX_LENGTH = 256;

/**
 * The request attributes a rule may read, supplied lazily by the data plane so that only the
 * attributes some rule asks for are ever parsed.
 */
export interface RequestView {
  /** Upper-case method, e.g. "GET". */
  readonly method: string;
  /** Path without the query string, e.g. "/api/cart". */
  readonly path: string;
  /** Value of a header by lower-case name (several values joined with ", "), or undefined. */
  header(lowerName: string): string | undefined;
  /** Value of a cookie by exact name, or undefined. */
  cookie(name: string): string | undefined;
  /** First value of a query parameter by exact name, or undefined. */
  query(name: string): string | undefined;
  /** Client address as the socket reports it: "10.0.0.1", "::1", "::ffff:10.0.0.1". */
  readonly sourceIp: string;
  /** The stickiness key the request is bucketed by (header, else cookie, else the newly minted one). */
  readonly stickyKey: string;
}

/**
 * The version a request matched by `rule` goes to. A split rule buckets the stickiness key with
 * `bucketOf((action.salt ?? split.salt) + ':' + rule.name, key)`: independent of the main split and
 * of other rules, and, like the main split, monotonic — raising the rule's weight never moves a
 * user back to stable.
 */
export function ruleVersion(rule: RouteRule, split: { readonly stable: string; readonly salt: string }, key: string): string {
  const action = rule.action;
  if (action.kind === 'version') return action.version;
  if (action.weight <= 0) return split.stable;
  if (action.weight >= 100) return action.canary;
  return inCanary(bucketOf(`${action.salt ?? split.salt}:${rule.name}`, key), action.weight) ? action.canary : split.stable;
}

/** True when `ruleVersion` needs the stickiness key (a split strictly between 0 and 100). */
export function ruleNeedsKey(rule: RouteRule): boolean {
  return rule.action.kind === 'split' && rule.action.weight > 0 && rule.action.weight < 100;
}
