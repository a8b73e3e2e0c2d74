/**
 * The setFlag rollout step: a release turns a flag on, ramps its rollout or sets its variant weights
 * in one environment, under the same gates, guard and rollback as a traffic step.
 */
import type { FlagEnvironmentSpec } from './flag-resource.js';

export interface SetFlagStep {
  readonly kind: 'setFlag';
  readonly flag: string;
  readonly environment: string;
  readonly enabled?: boolean;
  /** The environment's default rollout, percent (0.01 resolution). */
  readonly rollout?: number;
  /** Variant name → percent for this environment (sum 100). */
  readonly variantWeights?: Readonly<Record<string, number>>;
}

/** A flag environment's settings before a rollout first changed it (`settings` absent: not listed, i.e. off). */
export interface FlagBaseline {
  readonly flag: string;
  readonly environment: string;
  readonly settings?: FlagEnvironmentSpec;
  /** The flag's version before the rollout's first change. */
  readonly version: number;
}

/** The key of a flag environment in `status.flagBaselines`. */
export function flagBaselineKey(flag: string, environment: string): string {
  return `${flag}/${environment}`;
}

export function describeSetFlag(step: SetFlagStep): string {
  const parts: string[] = [];
  if (step.enabled !== undefined) parts.push(step.enabled ? 'on' : 'off');
  if (step.rollout !== undefined) parts.push(`${step.rollout}%`);
  if (step.variantWeights !== undefined) parts.push(Object.entries(step.variantWeights).map(([n, w]) => `${n} ${w}%`).join(' / '));
  return `setFlag ${step.flag} in ${step.environment}: ${parts.join(', ')}`;
}
