import {
  anyTargetExposed,
  DEFAULT_GUARD,
  EventType,
  holdForPerson,
  patchRollout,
  Phase,
  requestAbort,
  type EventDraft,
  type Exposure,
  type GuardBreach,
  type GuardCondition,
  type GuardRunState,
  type MeasurementRecord,
  type Rollout,
  type RolloutChange,
  decodeSketch,
  emptySketch,
  encodeSketch,
  estimateDistinct,
  mergeSketch,
  type DistinctSketch,
} from '@sluice/domain';
import { measureCheck, type CheckOutcome } from '../analysis/measure-check.js';
import type { ProviderResolver } from '../providers/provider-factory.js';
import { ExposedKeys } from './exposed-keys.js';
import { accumulateExposure, emptyExposure } from './exposure.js';

/** What the guardian wants of this pass: a change to commit, or nothing until `until`. */
export type GuardResult = { readonly kind: 'change'; readonly change: RolloutChange } | { readonly kind: 'none'; readonly until?: number | undefined };

/** Exposure is saved at least this often (and with every other change). */
const EXPOSURE_SAVE_MS = 10_000;
const WATCHED: ReadonlySet<string> = new Set([Phase.Progressing, Phase.Paused, Phase.Promoting]);

interface Memory {
  /** When each condition was last measured. */
  readonly lastAt: Map<string, number>;
  /** The last outcome recorded per condition: only changes go into the decision log. */
  readonly outcomes: Map<string, string>;
  exposure: Exposure | undefined;
  exposureSavedAt: number;
  /** Distinct sticky keys the target served, as of `exposure` (stored encoded with it). */
  readonly keys: DistinctSketch;
}

/**
 * Whether users can reach the change through this rollout: a weight above 0 (on any Target of a waves
 * rollout), a rule of its own, or a flag one of its setFlag steps changed.
 */
export function exposed(rollout: Rollout): boolean {
  const flagChanged = Object.keys(rollout.status.flagBaselines ?? {}).length > 0;
  return rollout.status.canaryWeight > 0 || (rollout.status.rules?.length ?? 0) > 0 || flagChanged || anyTargetExposed(rollout.status.targets);
}

/** Where a flag rollout's exposure comes from: "on" evaluations of its flags since the last read. */
export interface FlagExposureSource {
  take(rollout: Rollout): number;
}

/**
 * The release guardian: from a rollout's first exposed request to its end it measures each guard
 * condition every interval (1 s by default) and acts on a breach — roll back, hold for a person, or
 * notify. Timing and the last outcomes live in memory; what must survive a restart (when exposure
 * began, the conditions, the breaches, the exposure totals) is stored in the rollout's status. Only a
 * change of outcome is written to the decision log, so a healthy hour is not 3,600 entries.
 */
export class Guardian {
  readonly #providers: ProviderResolver;
  readonly #memory = new Map<string, Memory>();
  readonly #due = new Map<string, number>();
  readonly #keys: ExposedKeys;
  readonly #flagEvaluations: FlagExposureSource | undefined;

  /** `keys` counts the sticky keys the data plane reports for canary requests (a fresh one counts nothing). */
  constructor(providers: ProviderResolver, keys: ExposedKeys = new ExposedKeys(), flagEvaluations?: FlagExposureSource) {
    this.#providers = providers;
    this.#keys = keys;
    this.#flagEvaluations = flagEvaluations;
  }

  /** Forgets rollouts that are no longer active. */
  retain(active: readonly Rollout[]): void {
    this.#keys.retain(new Set(active.map((r) => `${r.spec.service}/${r.spec.target}`)));
    const names = new Set(active.map((r) => r.name));
    for (const name of this.#memory.keys()) if (!names.has(name)) this.#memory.delete(name);
    for (const name of this.#due.keys()) if (!names.has(name)) this.#due.delete(name);
  }

  async check(rollout: Rollout, now: number, signal: AbortSignal): Promise<GuardResult> {
    const conditions = rollout.spec.guard?.conditions ?? DEFAULT_GUARD.conditions;
    if (conditions.length === 0 || !WATCHED.has(rollout.status.phase)) return { kind: 'none' };
    const run = rollout.status.guard;
    if (run === undefined) {
      if (!exposed(rollout)) return { kind: 'none' };
      const started: GuardRunState = { startedAt: now, conditions, breaches: {} };
      // Keys served before exposure began (another rollout, a static route) are not this rollout's.
      this.#keys.watch(rollout.spec.service, rollout.spec.target);
      this.#keys.take(rollout.spec.service, rollout.spec.target);
      return { kind: 'change', change: patchRollout(rollout, { guard: started, exposure: emptyExposure(now) }, now, []) };
    }
    const memory = this.#memoryOf(rollout, now);
    const released = this.#released(rollout, run, now);
    if (released !== undefined) return { kind: 'change', change: released };
    const due = run.conditions.filter((c) => run.breaches[c.name] === undefined && now >= (memory.lastAt.get(c.name) ?? 0) + c.intervalMs);
    const outcomes = await Promise.all(due.map((c) => this.#measure(c, rollout, run, now, signal)));
    due.forEach((c) => memory.lastAt.set(c.name, now));
    const breaching = outcomes.some((o) => o.record.result === 'fail');
    const exposure = await this.#exposure(rollout, memory, now, breaching);
    const change = this.#decide(rollout, run, memory, due, outcomes, exposure, now);
    const next = this.#nextDue(run, memory);
    if (next === undefined) this.#due.delete(rollout.name);
    else this.#due.set(rollout.name, next);
    return change === undefined ? { kind: 'none', until: next } : { kind: 'change', change };
  }

  /** When the guardian next needs a pass for this rollout, so the controller wakes for it. */
  due(rollout: string): number | undefined {
    return this.#due.get(rollout);
  }

  #memoryOf(rollout: Rollout, now: number): Memory {
    let memory = this.#memory.get(rollout.name);
    if (memory === undefined) {
      const stored = rollout.status.exposure?.keySketch;
      const keys = (stored === undefined ? undefined : decodeSketch(stored)) ?? emptySketch();
      memory = { lastAt: new Map(), outcomes: new Map(), exposure: rollout.status.exposure, exposureSavedAt: now, keys };
      this.#memory.set(rollout.name, memory);
      this.#keys.watch(rollout.spec.service, rollout.spec.target);
    }
    return memory;
  }

  #nextDue(run: GuardRunState, memory: Memory): number | undefined {
    const times = run.conditions.filter((c) => run.breaches[c.name] === undefined).map((c) => (memory.lastAt.get(c.name) ?? 0) + c.intervalMs);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** A person promoted past a guard hold: its paused conditions watch again, counting evidence from now. */
  #released(rollout: Rollout, run: GuardRunState, now: number): RolloutChange | undefined {
    if (rollout.status.holdReleased !== 'guard') return undefined;
    const restartedAt = { ...run.restartedAt };
    const breaches: Record<string, GuardBreach> = {};
    for (const [name, breach] of Object.entries(run.breaches)) {
      if (breach.action === 'pause') restartedAt[name] = now;
      else breaches[name] = breach;
    }
    return patchRollout(rollout, { guard: { ...run, breaches, restartedAt }, holdReleased: undefined }, now, []);
  }

  #measure(c: GuardCondition, rollout: Rollout, run: GuardRunState, now: number, signal: AbortSignal): Promise<CheckOutcome> {
    const startedAt = Math.max(run.startedAt, run.restartedAt?.[c.name] ?? 0);
    const target = { service: rollout.spec.service, rollout: rollout.name, canary: rollout.spec.target, stable: rollout.status.stable, args: {}, now, startedAt, defaultWindowMs: c.intervalMs, notBefore: startedAt };
    return measureCheck(c, target, this.#providers, signal);
  }

  async #exposure(rollout: Rollout, memory: Memory, now: number, upToNow: boolean): Promise<Exposure | undefined> {
    const base = memory.exposure ?? rollout.status.exposure ?? emptyExposure(now);
    const next = await accumulateExposure(base, rollout, this.#providers, now, upToNow);
    const taken = this.#keys.take(rollout.spec.service, rollout.spec.target);
    if (taken !== undefined) mergeSketch(memory.keys, taken);
    // A flag ramp exposes users through the SDKs' "on" evaluations, not through the proxy.
    const flagged = this.#flagEvaluations?.take(rollout) ?? 0;
    if (next === undefined && flagged === 0) return memory.exposure;
    const current = next ?? memory.exposure ?? base;
    memory.exposure = { ...current, requests: current.requests + flagged, distinctKeys: estimateDistinct(memory.keys) };
    return memory.exposure;
  }

  #decide(rollout: Rollout, run: GuardRunState, memory: Memory, due: readonly GuardCondition[], outcomes: readonly CheckOutcome[], exposure: Exposure | undefined, now: number): RolloutChange | undefined {
    const events: EventDraft[] = [];
    const breaches: Record<string, GuardBreach> = { ...run.breaches };
    due.forEach((c, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) return;
      const record: MeasurementRecord = { source: 'guard', step: rollout.status.stepIndex, metric: `guard/${c.name}`, ...outcome.record };
      const breached = record.result === 'fail';
      if (breached || memory.outcomes.get(c.name) !== record.result) {
        events.push({ type: EventType.AnalysisMeasured, to: record.result, reason: `guard/${c.name}: ${record.reason}`, data: { ...record } });
        memory.outcomes.set(c.name, record.result);
      }
      if (!breached) return;
      const reason = `Guard "${c.name}" breached: ${record.reason}`;
      breaches[c.name] = { at: now, action: c.action, reason };
      events.push({ type: EventType.GuardBreached, from: c.name, to: c.action, reason, data: { condition: c.name, action: c.action, evidence: { ...record } } });
    });
    const saveExposure = exposure !== undefined && now - memory.exposureSavedAt >= EXPOSURE_SAVE_MS;
    if (events.length === 0 && !saveExposure) return undefined;
    if (saveExposure) memory.exposureSavedAt = now;
    const saved = exposure === undefined ? {} : { exposure: { ...exposure, keySketch: encodeSketch(memory.keys) } };
    const patched = patchRollout(rollout, { guard: { ...run, breaches }, ...saved }, now, events);
    return this.#act(patched, run, breaches, now);
  }

  /** The strongest action among new breaches: rollback, then pause; notify only records. */
  #act(change: RolloutChange, run: GuardRunState, breaches: Readonly<Record<string, GuardBreach>>, now: number): RolloutChange {
    const fresh = Object.entries(breaches).filter(([name]) => run.breaches[name] === undefined).map(([, b]) => b);
    const rollback = fresh.find((b) => b.action === 'rollback');
    const pause = fresh.find((b) => b.action === 'pause');
    const then =
      rollback !== undefined ? requestAbort(change.rollout, 'failure', rollback.reason, now)
      : pause !== undefined && (change.rollout.status.hold === undefined || change.rollout.status.hold.source === 'manual') && change.rollout.status.phase !== Phase.Promoting
        ? holdForPerson(change.rollout, 'guard', `${pause.reason}. Promote to go on, or abort to roll back`, now)
        : undefined;
    return then === undefined ? change : { rollout: then.rollout, events: [...change.events, ...then.events] };
  }
}
