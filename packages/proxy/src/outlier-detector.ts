import { ErrorCode, SluiceError } from '@sluice/domain';
import type { ProxyTimers } from './proxy-timers.js';
import type { UpstreamInstance } from './upstream-instance.js';

/** Passive outlier ejection: an instance failing in a row is taken out of rotation for a while. */
export interface OutlierPolicy {
  /** 5xx answers or connect failures in a row that eject an instance; 0 turns ejection off. */
  readonly consecutiveFailures: number;
  /** First ejection length; the n-th ejection lasts n times as long. */
  readonly baseEjectionMs: number;
  /** Longest an ejection may last. */
  readonly maxEjectionMs: number;
  /** At most this share (percent) of a version's instances is ejected at once; a lone instance is never ejected. */
  readonly maxEjectedPercent: number;
}

export const DEFAULT_OUTLIER_POLICY: OutlierPolicy = Object.freeze({
  consecutiveFailures: 5,
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
  maxEjectedPercent: 50,
});

/** Counts results per instance and ejects, then restores, instances on the injected timers. */
export class OutlierDetector {
  readonly #timers: ProxyTimers;
  policy: OutlierPolicy;

  constructor(policy: OutlierPolicy, timers: ProxyTimers) {
    this.policy = policy;
    this.#timers = timers;
  }

  /** A non-5xx answer. Hot path: one compare in the common case. */
  success(instance: UpstreamInstance): void {
    if (instance.consecutiveFailures !== 0) instance.consecutiveFailures = 0;
    // Ejections are forgotten after the instance served well for one base period since it came back.
    if (instance.ejections !== 0 && instance.ejectedUntil === 0 && this.#timers.now() - instance.returnedAt >= this.policy.baseEjectionMs) {
      instance.ejections = 0;
    }
  }

  /** A 5xx answer or a failure to connect or exchange with `instance`, picked from `pool`. */
  failure(instance: UpstreamInstance, pool: readonly UpstreamInstance[]): void {
    instance.consecutiveFailures++;
    const { consecutiveFailures, baseEjectionMs, maxEjectionMs, maxEjectedPercent } = this.policy;
    if (consecutiveFailures === 0 || instance.consecutiveFailures < consecutiveFailures || instance.ejectedUntil !== 0 || instance.draining) return;
    let ejected = 0;
    for (const other of pool) if (other.ejectedUntil !== 0) ejected++;
    if (ejected + 1 > Math.floor((pool.length * maxEjectedPercent) / 100)) return;
    instance.ejections++;
    const duration = Math.min(baseEjectionMs * instance.ejections, maxEjectionMs);
    instance.ejectedUntil = this.#timers.now() + duration;
    instance.refresh();
    instance.ejectTimer = this.#timers.setTimeout(() => this.#restore(instance), duration);
  }

  /** Stops the timers of an instance leaving the route. */
  forget(instance: UpstreamInstance): void {
    if (instance.ejectTimer !== undefined) this.#timers.clearTimeout(instance.ejectTimer);
    instance.ejectTimer = undefined;
  }

  #restore(instance: UpstreamInstance): void {
    instance.ejectTimer = undefined;
    instance.ejectedUntil = 0;
    instance.consecutiveFailures = 0;
    instance.returnedAt = this.#timers.now();
    instance.refresh();
  }
}

/** `base` with the fields `overrides` sets; throws INVALID_SPEC for a negative or fractional value. */
export function resolveOutlierPolicy(where: string, base: OutlierPolicy, overrides: Partial<OutlierPolicy> | undefined): OutlierPolicy {
  if (overrides === undefined) return base;
  const policy = { ...base };
  for (const [name, value] of Object.entries(overrides) as [keyof OutlierPolicy, number | undefined][]) {
    if (value === undefined) continue;
    const max = name === 'maxEjectedPercent' ? 100 : Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(value) || value < 0 || value > max) {
      throw new SluiceError(ErrorCode.INVALID_SPEC, `${where}: outlier ${name} is ${String(value)}; expected a whole number from 0 to ${max}`, {
        details: { field: name, value: String(value) },
      });
    }
    policy[name] = value;
  }
  return Object.freeze(policy);
}
