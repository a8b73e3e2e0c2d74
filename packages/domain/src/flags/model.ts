/**
 * The flag model: Unleash-compatible feature definitions, exactly as a server sends them to a
 * client SDK (the `state` of the Unleash client specification), plus the evaluation context and
 * the OpenFeature-shaped result of evaluating one flag.
 *
 * Definitions usually come from JSON, so every field is treated as untrusted by the evaluator:
 * a malformed definition yields reason ERROR with an error code, never an exception.
 */

/** One constraint: `contextName operator value(s)`, optionally inverted or case-insensitive. */
export interface ConstraintDefinition {
  readonly contextName: string;
  readonly operator: string;
  /** Used by IN, NOT_IN, STR_*, IN_CIDR. */
  readonly values?: readonly string[] | null;
  /** Used by NUM_*, DATE_*, SEMVER_*, REGEX. */
  readonly value?: string | null;
  readonly inverted?: boolean | null;
  readonly caseInsensitive?: boolean | null;
}

/** A variant payload as Unleash sends it: the value is always a string, typed by `type`. */
export interface VariantPayload {
  readonly type: string;
  readonly value: string;
}

/** A variant override: users whose `contextName` is in `values` always get this variant. */
export interface VariantOverride {
  readonly contextName: string;
  readonly values: readonly string[];
}

export interface VariantDefinition {
  readonly name: string;
  readonly weight: number;
  readonly weightType?: string | null;
  readonly stickiness?: string | null;
  readonly payload?: VariantPayload | null;
  readonly overrides?: readonly VariantOverride[] | null;
}

export interface StrategyDefinition {
  readonly name: string;
  readonly parameters?: Readonly<Record<string, string | number | null | undefined>> | null;
  readonly constraints?: readonly ConstraintDefinition[] | null;
  /** Ids of global segments; every segment's constraints must hold. A missing segment fails the strategy. */
  readonly segments?: readonly number[] | null;
  /** Strategy variants: when present and the strategy matches, they win over the feature's variants. */
  readonly variants?: readonly VariantDefinition[] | null;
}

/** A parent flag this flag depends on. `enabled` defaults to true; `variants` (if non-empty) must contain the parent's variant. */
export interface FeatureDependency {
  readonly feature: string;
  readonly enabled?: boolean | null;
  readonly variants?: readonly string[] | null;
}

export interface FeatureDefinition {
  readonly name: string;
  readonly enabled: boolean;
  readonly strategies?: readonly StrategyDefinition[] | null;
  readonly variants?: readonly VariantDefinition[] | null;
  readonly dependencies?: readonly FeatureDependency[] | null;
  readonly description?: string | null;
  readonly project?: string | null;
  readonly type?: string | null;
  readonly stale?: boolean | null;
  readonly impressionData?: boolean | null;
}

export interface SegmentDefinition {
  readonly id: number;
  readonly name?: string | null;
  readonly constraints: readonly ConstraintDefinition[];
}

/** Everything a client evaluates against: the features and the global segments they reference. */
export interface FlagState {
  readonly features: readonly FeatureDefinition[];
  readonly segments?: readonly SegmentDefinition[] | null;
}

/** Unleash's context. Unknown fields are looked up on the context itself, then in `properties`. */
export interface FlagContext {
  readonly userId?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly remoteAddress?: string | undefined;
  readonly environment?: string | undefined;
  readonly appName?: string | undefined;
  /** ISO-8601 time used by DATE_* constraints; defaults to `EvaluateOptions.now`. */
  readonly currentTime?: string | undefined;
  readonly properties?: Readonly<Record<string, string | number | boolean | null | undefined>> | undefined;
  readonly [field: string]: unknown;
}

/**
 * What the domain may not reach for itself (no clock, no randomness, no OS): injected by the caller.
 * Without `random`, random stickiness resolves to nothing and those rollouts are off; without
 * `now`, DATE_* constraints need `currentTime` in the context.
 */
export interface EvaluateOptions {
  /** Milliseconds since the epoch, for DATE_* constraints when the context has no currentTime. */
  readonly now?: number;
  /** A uniform [0, 1) source for `random` stickiness and gradualRolloutRandom. */
  readonly random?: () => number;
  /** This host's name, for the applicationHostname strategy. */
  readonly hostname?: string;
}

/** OpenFeature's resolution reasons used by this evaluator. */
export type FlagReason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'DEFAULT' | 'ERROR';
/** OpenFeature's error codes used by this evaluator. */
export type FlagErrorCode = 'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TYPE_MISMATCH' | 'GENERAL';

/** The variant a flag resolved to, in Unleash's shape (`featureEnabled` is Unleash's `feature_enabled`). */
export interface ResolvedVariant {
  readonly name: string;
  readonly enabled: boolean;
  readonly payload?: VariantPayload;
  readonly featureEnabled: boolean;
}

/** A JSON value: what a `json` payload parses to. */
export type FlagValue = string | number | boolean | null | readonly FlagValue[] | { readonly [key: string]: FlagValue };

export interface FlagEvaluation {
  /** Unleash's isEnabled. */
  readonly enabled: boolean;
  /** The variant's payload, typed (string, number or parsed JSON); else `enabled`. Absent on error. */
  readonly value?: FlagValue;
  readonly variant: ResolvedVariant;
  readonly reason: FlagReason;
  readonly errorCode?: FlagErrorCode;
  readonly errorMessage?: string;
}

/** Unleash's variant for a disabled or missing flag. */
export const DISABLED_VARIANT_NAME = 'disabled';
