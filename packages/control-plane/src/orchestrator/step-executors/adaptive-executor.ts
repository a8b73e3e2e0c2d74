import {
  changeWeight,
  completeStep,
  EventType,
  formatDuration,
  holdForPerson,
  nextAdaptiveWeight,
  patchRollout,
  requestAbort,
  type AdaptiveStep,
  type EventDraft,
  type MeasurementRecord,
  type Rollout,
  type RolloutChange,
  type StepState,
} from '@sluice/domain';
import { measureCheck, type CheckTarget } from '../../analysis/measure-check.js';
import type { ProviderResolver } from '../../providers/provider-factory.js';
import type { StepContext, StepExecutor, StepProgress } from '../step-executor.js';
import { sameSplit } from '../traffic-split.js';
import { untilTargetReady } from './target-ready.js';

export interface AdaptiveDeps {
  readonly providers: ProviderResolver;
}

/**
 * While the data plane does not serve the weight yet, the healthy period keeps restarting: at most
 * once per this interval (one controller poll), so a slow data plane never makes a commit loop.
 */
export const ADAPTIVE_DATA_PLANE_RECHECK_MS = 1_000;

type Period = NonNullable<StepState['adaptive']>;

/** One call of the executor for a step that has started: everything it decides from. */
interface Pass {
  readonly step: AdaptiveStep;
  readonly ctx: StepContext;
  readonly state: StepState;
  readonly period: Period;
  /** "Adaptive step 2", the start of every message. */
  readonly label: string;
  readonly deps: AdaptiveDeps;
}

const change = (c: RolloutChange): StepProgress => ({ kind: 'change', change: c });
const iso = (ms: number) => new Date(ms).toISOString();

function currentState(rollout: Rollout): StepState | undefined {
  const s = rollout.status.stepState;
  return s !== undefined && s.stepIndex === rollout.status.stepIndex ? s : undefined;
}

/** Combines two changes made one after the other: the second's rollout, both sets of events. */
function chain(first: RolloutChange, then: (r: Rollout) => RolloutChange): RolloutChange {
  const second = then(first.rollout);
  return { rollout: second.rollout, events: [...first.events, ...second.events] };
}

/** The rollout with the step's period replaced, its message set and `events` recorded. */
function withPeriod(rollout: Rollout, state: StepState, period: Period, now: number, message: string, events: readonly EventDraft[]): RolloutChange {
  return patchRollout(rollout, { stepState: { ...state, adaptive: period }, message }, now, events);
}

/** Sets the weight and starts its period, in one change; `first` events go before the weight's. */
function moveTo(rollout: Rollout, state: StepState, weight: number, now: number, message: string, first: readonly EventDraft[]): RolloutChange {
  const weighted = changeWeight(rollout, weight, now);
  const moved = withPeriod(weighted.rollout, state, { weight, since: now }, now, message, []);
  return { rollout: moved.rollout, events: [...first, ...weighted.events] };
}

/** The first pass: records the step's state and the start weight together. */
function start(step: AdaptiveStep, ctx: StepContext): StepProgress {
  const notReady = untilTargetReady(ctx, 'starting the adaptive ramp');
  if (notReady) return notReady;
  const { rollout, now } = ctx;
  const index = rollout.status.stepIndex;
  const ramp = step.factor !== undefined ? `×${step.factor}` : `+${step.increment ?? 0}`;
  const reason = `Adaptive step ${index + 1}: ${rollout.spec.target} from ${step.startWeight}% to ${step.maxWeight}% (${ramp} after each ${formatDuration(step.healthyForMs)} healthy)`;
  const started: EventDraft = { type: EventType.StepStarted, reason, data: { step: index, kind: 'adaptive' } };
  return change(moveTo(rollout, { stepIndex: index, startedAt: now }, step.startWeight, now, reason, [started]));
}

/** A hold (this step's or another's) stops the ramp; a person's promote past this step's hold restarts the period. */
function held(pass: Pass): StepProgress | undefined {
  const { rollout, now } = pass.ctx;
  const { hold, holdReleased } = rollout.status;
  if (hold !== undefined) return { kind: 'wait', why: `${hold.reason} (waiting for a person)` };
  if (holdReleased !== 'adaptive') return undefined;
  const message = `${pass.label}: a person let the ramp go on at ${pass.period.weight}%; its healthy period starts again`;
  const restarted = patchRollout(rollout, { stepState: { ...pass.state, adaptive: { ...pass.period, since: now } }, holdReleased: undefined, message }, now, []);
  return change(restarted);
}

/** Undefined once the data plane serves the rollout's split; until then the period keeps restarting. */
async function untilServed(pass: Pass): Promise<StepProgress | undefined> {
  const { ctx, period } = pass;
  const { rollout, now } = ctx;
  if (rollout.status.canaryWeight !== period.weight) {
    const message = `${pass.label}: back to ${period.weight}%, the weight of its current period`;
    return change(moveTo(rollout, pass.state, period.weight, now, message, []));
  }
  const observed = await ctx.traffic.observeSplit(rollout.spec.service, ctx.signal);
  if (sameSplit(observed, ctx.wantedSplit(rollout))) return undefined;
  const why = `${pass.label}: waiting for the data plane to serve ${period.weight}% on ${rollout.spec.target}; the healthy period starts once it does`;
  if (now - period.since < ADAPTIVE_DATA_PLANE_RECHECK_MS) return { kind: 'wait', why, until: period.since + ADAPTIVE_DATA_PLANE_RECHECK_MS };
  return change(withPeriod(rollout, pass.state, { ...period, since: now }, now, why, []));
}

/** Judges `healthy` once over the period [since, now]. */
async function measure(pass: Pass): Promise<MeasurementRecord> {
  const { rollout, now, signal } = pass.ctx;
  const { since, weight } = pass.period;
  const target: CheckTarget = {
    service: rollout.spec.service,
    rollout: rollout.name,
    canary: rollout.spec.target,
    stable: rollout.status.stable,
    args: {},
    now,
    startedAt: since,
    defaultWindowMs: pass.step.healthyForMs,
    notBefore: since,
  };
  const outcome = await measureCheck(pass.step.healthy, target, pass.deps.providers, signal);
  return { source: 'step', step: rollout.status.stepIndex, metric: `healthy at ${weight}%`, ...outcome.record };
}

/** Healthy: the step is done at maxWeight, else the next weight starts its period. Both with the measurement. */
function passed(pass: Pass, measured: EventDraft, record: MeasurementRecord): StepProgress {
  const { step, period, ctx } = pass;
  const { rollout, now } = ctx;
  const healthy = `healthy at ${period.weight}% for ${formatDuration(now - period.since)} (${record.reason})`;
  if (period.weight >= step.maxWeight) {
    const recorded = patchRollout(rollout, {}, now, [measured]);
    return change(chain(recorded, (r) => completeStep(r, now, `${healthy}; maxWeight ${step.maxWeight}% reached`)));
  }
  // On the 0.01 grid exactly: nextAdaptiveWeight's "at least +0.01" can be off by a float rounding (0.09999999999999999).
  const next = Math.round(nextAdaptiveWeight(step, period.weight) * 100) / 100;
  return change(moveTo(rollout, pass.state, next, now, `${pass.label}: ${healthy}; ramping to ${next}%`, [measured]));
}

/** Unhealthy: roll back, or hold for a person, as onBreach says; with the measurement as evidence. */
function breached(pass: Pass, measured: EventDraft, record: MeasurementRecord): StepProgress {
  const { step, period, ctx } = pass;
  const { rollout, now } = ctx;
  const reason = `${pass.label}: health check failed at ${period.weight}% on ${rollout.spec.target}: ${record.reason}`;
  const recorded = withPeriod(rollout, pass.state, period, now, reason, [measured]);
  if (step.onBreach === 'rollback') return change(chain(recorded, (r) => requestAbort(r, 'failure', `${reason}; rolling back`, now)));
  return change(chain(recorded, (r) => holdForPerson(r, 'adaptive', `${reason}. Promote to go on at ${period.weight}%, or abort to roll back`, now)));
}

const UNDECIDED: Readonly<Record<string, string>> = { 'no-data': 'had no data', error: 'could not be measured', inconclusive: 'was inconclusive' };

/** Measures when the period is up and acts on it; no data, errors and inconclusive verdicts never ramp. */
async function judgePeriod(pass: Pass): Promise<StepProgress> {
  const { step, period, ctx } = pass;
  const { rollout, now } = ctx;
  const due = period.since + step.healthyForMs;
  if (now < due) {
    const last = rollout.status.message.startsWith(`${pass.label}: health check at`) ? `${rollout.status.message}. ` : `${pass.label}: `;
    return { kind: 'wait', why: `${last}Holding ${period.weight}% on ${rollout.spec.target}; health check at ${iso(due)}`, until: due };
  }
  const notReady = untilTargetReady(ctx, 'judging its health');
  if (notReady) return notReady;
  const record = await measure(pass);
  const measured: EventDraft = { type: EventType.AnalysisMeasured, to: record.result, reason: `${pass.label}: ${record.metric}: ${record.reason}`, data: { ...record } };
  if (record.result === 'pass') return passed(pass, measured, record);
  if (record.result === 'fail') return breached(pass, measured, record);
  const message = `${pass.label}: health check at ${period.weight}% ${UNDECIDED[record.result] ?? record.result} (${record.reason}); not ramping, retrying over the next ${formatDuration(step.healthyForMs)}`;
  return change(withPeriod(rollout, pass.state, { ...period, since: now }, now, message, [measured]));
}

/**
 * adaptive: starts at startWeight and, after each period of healthyFor in which the data plane served
 * the weight and `healthy` passed, ramps it (×factor or +increment) until a healthy period at maxWeight
 * ends the step. A failed check rolls back or holds for a person (onBreach); no data, an error or an
 * inconclusive verdict starts another period at the same weight. Each measurement is committed with
 * what it decided, and everything is decided from the stored period, so a restart resumes it exactly.
 */
export function createAdaptiveExecutor(deps: AdaptiveDeps): StepExecutor<AdaptiveStep> {
  return {
    kind: 'adaptive',
    async advance(step, ctx): Promise<StepProgress> {
      const state = currentState(ctx.rollout);
      const period = state?.adaptive;
      if (state === undefined || period === undefined) return start(step, ctx);
      const pass: Pass = { step, ctx, state, period, label: `Adaptive step ${ctx.rollout.status.stepIndex + 1}`, deps };
      return held(pass) ?? (await untilServed(pass)) ?? judgePeriod(pass);
    },
  };
}
