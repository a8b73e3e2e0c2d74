/**
 * The Flag resource: how a team writes a feature flag (per environment: on/off, overrides for named
 * users, ordered rules, a default rollout) before it is compiled into the Unleash-shaped
 * FeatureDefinition that every evaluator (server, SDKs, Unleash's own SDKs) runs.
 */
import type { ConstraintDefinition, FlagValue } from './model.js';

/** What a flag is for; decides its expected lifetime (see EXPECTED_LIFETIME_DAYS). */
export const FLAG_KINDS = ['release', 'experiment', 'operational', 'kill-switch', 'permission'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

/**
 * Days after which a flag of this kind that is fully on or fully off is probably stale (Unleash's
 * lifetimes); undefined = meant to stay (kill switches and permissions).
 */
export const EXPECTED_LIFETIME_DAYS: Readonly<Record<FlagKind, number | undefined>> = {
  release: 40,
  experiment: 40,
  operational: 7,
  'kill-switch': undefined,
  permission: undefined,
};

/** The type of a flag's value: boolean flags have no variants; the others serve a variant's value. */
export const FLAG_VALUE_TYPES = ['boolean', 'string', 'number', 'json'] as const;
export type FlagValueType = (typeof FLAG_VALUE_TYPES)[number];

/** The environments every installation has; others may be added by name. */
export const STANDARD_ENVIRONMENTS = ['development', 'staging', 'production'] as const;
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** A variant: a name, the value it serves (of the flag's type) and its share in percent. */
export interface FlagVariantSpec {
  readonly name: string;
  readonly value: FlagValue;
  /** Percent of the users who get a variant (0..100, 0.1 resolution); a list's weights sum to 100. */
  readonly weight: number;
}

/** One targeting rule: users matching every constraint and segment, then `rollout` percent of them. */
export interface FlagRuleSpec {
  readonly name: string;
  /** Unleash constraints (IN, NOT_IN, STR_*, NUM_*, DATE_*, SEMVER_*, REGEX, IN_CIDR; inverted, caseInsensitive). */
  readonly constraints: readonly ConstraintDefinition[];
  /** Names of Segment resources; every one must hold. */
  readonly segments: readonly string[];
  /** Percent of the matching users who get the flag (0..100, 0.01 resolution). */
  readonly rollout: number;
  /** The context field users stick by: "default" (userId, then sessionId, then random) or any field. */
  readonly stickiness: string;
  /** Variants this rule serves instead of the flag's (weights sum to 100); empty = the flag's. */
  readonly variants: readonly FlagVariantSpec[];
}

/** Named users (by userId or another context field) who always get the flag on (with `variant`) or off. */
export interface FlagOverrideSpec {
  readonly contextName: string;
  readonly values: readonly string[];
  readonly enabled: boolean;
  readonly variant?: string;
}

/** What everyone no override or rule matched gets. */
export interface FlagDefaultSpec {
  /** Percent of the remaining users who get the flag (0 = off for them, 100 = on). */
  readonly rollout: number;
  readonly stickiness: string;
  /** Serve this variant to them instead of the weighted split. */
  readonly variant?: string;
}

export interface FlagEnvironmentSpec {
  /** Off = nobody gets the flag in this environment, whatever the rules say (the kill switch). */
  readonly enabled: boolean;
  readonly overrides: readonly FlagOverrideSpec[];
  readonly rules: readonly FlagRuleSpec[];
  readonly default: FlagDefaultSpec;
  /** Per-environment weights of the flag's variants (variant name → percent); absent = the flag's. */
  readonly variantWeights?: Readonly<Record<string, number>>;
}

/** Another flag this one requires: it must be enabled (or disabled), and serve one of `variants` if given. */
export interface FlagPrerequisiteSpec {
  readonly flag: string;
  readonly enabled: boolean;
  readonly variants: readonly string[];
}

export interface FlagSpec {
  readonly kind: FlagKind;
  readonly type: FlagValueType;
  readonly description?: string;
  readonly owner?: string;
  readonly variants: readonly FlagVariantSpec[];
  readonly prerequisites: readonly FlagPrerequisiteSpec[];
  /** Environment name → its settings. An environment not listed has the flag off. */
  readonly environments: Readonly<Record<string, FlagEnvironmentSpec>>;
}

/** A flag as stored. Every save is a new version, kept in the flag's history. */
export interface Flag {
  readonly name: string;
  readonly spec: FlagSpec;
  /** Optimistic-concurrency version; 0 before the first save. Also the version number in the history. */
  readonly version: number;
  readonly createdAt: number;
  /** When the spec last changed (milliseconds since the epoch). */
  readonly updatedAt: number;
}

/** Who changed a flag, when and why: stored with the version it produced. */
export interface FlagChange {
  readonly actor: string;
  readonly at: number;
  readonly reason: string;
  /** The rollout that made the change, if a release step or its rollback did. */
  readonly rollout?: string;
}

/** One version of a flag in its history. `seq` orders all flags' versions (the stream's resume point). */
export interface FlagRevision {
  readonly seq: number;
  readonly name: string;
  readonly version: number;
  readonly change: FlagChange;
  readonly spec: FlagSpec;
}

/** Evaluations of one flag in one environment, as SDKs and the server count them. */
export interface FlagUsage {
  readonly flag: string;
  readonly environment: string;
  readonly evaluations: number;
  /** Milliseconds since the epoch of the newest counted evaluation. */
  readonly lastEvaluatedAt: number;
}

/** The environment's settings, or the off settings when the flag does not list it. */
export function environmentOf(spec: FlagSpec, environment: string): FlagEnvironmentSpec {
  return spec.environments[environment] ?? OFF_ENVIRONMENT;
}

export const OFF_ENVIRONMENT: FlagEnvironmentSpec = Object.freeze({
  enabled: false,
  overrides: [],
  rules: [],
  default: { rollout: 0, stickiness: 'default' },
});
