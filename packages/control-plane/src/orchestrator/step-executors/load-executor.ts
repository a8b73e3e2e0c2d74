import {
  EventType,
  formatDuration,
  isSluiceError,
  parseCondition,
  patchRollout,
  requestAbort,
  type EventDraft,
  type LoadState,
  type LoadStep,
  type Rollout,
  type StepState,
} from '@sluice/domain';
import { startLoad, type LoadOptions, type LoadRun, type LoadStats } from '../../load/load-generator.js';
import { loadKey, type LoadRegistry } from '../../load/load-registry.js';
import { describeLoadTotals, formatLoadNumber, loadTotalsData } from '../../load/load-stats.js';
import type { StepContext, StepExecutor, StepProgress } from '../step-executor.js';

/** How often a running load step is looked at again (the breaker itself runs in the generator, every second). */
export const LOAD_POLL_MS = 1000;

export interface LoadExecutorOptions {
  /**
   * Hosts besides loopback the load may go to: the hosts of the service's `upstreams` (see
   * upstreamHosts). StepContext does not carry the service, so the caller looks it up. Default: none.
   */
  readonly allowedHosts?: (rollout: Rollout) => readonly string[] | Promise<readonly string[]>;
  /** Starts a generator (tests replace it). Default: startLoad. */
  readonly start?: (options: LoadOptions) => LoadRun;
}

/** Step state for this step with its load state; undefined when the step has not recorded it yet. */
type LoadStepState = StepState & { readonly load: LoadState };

/**
 * load: sends the step's request mix to the target's ready instances for `durationMs`; fails the
 * rollout as soon as `stopWhen` holds. Decides from the stored status: (1) record when the load began;
 * (2) start a generator for what is left of that time unless this process already runs it (so after a
 * restart the load resumes for the remaining time); (3) while it runs, wait; (4) tripped: fail the
 * rollout; finished: record the final totals with a LoadFinished event; (5) totals recorded
 * (`load.sent` set): done.
 */
export function createLoadExecutor(registry: LoadRegistry, options: LoadExecutorOptions = {}): StepExecutor<LoadStep> {
  return {
    kind: 'load',
    async advance(step, ctx): Promise<StepProgress> {
      const { rollout, now } = ctx;
      const state = rollout.status.stepState;
      if (state?.load === undefined || state.stepIndex !== rollout.status.stepIndex) return recordStart(step, rollout, state, now);
      const stepState: LoadStepState = { ...state, load: state.load };
      const key = loadKey(rollout.name, state.stepIndex, state.load.startedAt);
      if (state.load.sent !== undefined) {
        registry.remove(key);
        return { kind: 'done', why: `load of ${describeLoad(step)}: ${state.load.sent} requests sent, ${state.load.errors ?? 0} errors` };
      }
      const run = registry.get(key);
      if (run) return fromRun(run, key, registry, ctx, stepState);
      return startRun(step, ctx, stepState, key, registry, options);
    },
  };
}

function describeLoad(step: LoadStep): string {
  return `${step.rps} rps for ${formatDuration(step.durationMs)}`;
}

function recordStart(step: LoadStep, rollout: Rollout, state: StepState | undefined, now: number): StepProgress {
  const stepIndex = rollout.status.stepIndex;
  const startedAt = state?.stepIndex === stepIndex ? state.startedAt : now;
  const stepState: StepState = { ...(state?.stepIndex === stepIndex ? state : {}), stepIndex, startedAt, load: { startedAt: now } };
  const message = `Load step ${stepIndex + 1}: ${describeLoad(step)} against ${rollout.spec.target}`;
  return { kind: 'change', change: patchRollout(rollout, { stepState, message }, now, []) };
}

async function startRun(
  step: LoadStep,
  ctx: StepContext,
  state: LoadStepState,
  key: string,
  registry: LoadRegistry,
  options: LoadExecutorOptions,
): Promise<StepProgress> {
  const { rollout, now } = ctx;
  const target = rollout.spec.target;
  const elapsed = now - state.load.startedAt;
  const targets = ctx.readyBackends[target] ?? [];
  if (targets.length === 0) {
    if (elapsed < step.durationMs) return { kind: 'wait', why: `Load step waits for a ready instance of ${target} to send load to` };
    const reason = `Load step failed: no ready instance of ${target} to send load to for ${formatDuration(elapsed)} (the step's duration)`;
    return { kind: 'change', change: requestAbort(rollout, 'failure', reason, now) };
  }
  const remainingMs = step.durationMs - elapsed;
  if (remainingMs <= 0) return recordTotals(rollout, state, now, emptyStats(), 'the step\'s time ran out before this process could run its generator (the control plane restarted)');
  if (!registry.canStart()) return { kind: 'wait', why: 'Load step waits: this control plane runs its maximum number of load generators or is shutting down' };
  try {
    const allowedHosts = (await options.allowedHosts?.(rollout)) ?? [];
    const stopWhen = step.stopWhen === undefined || step.stopWhen === '' ? undefined : parseCondition(step.stopWhen);
    const load: LoadOptions = { targets, allowedHosts, rps: step.rps, durationMs: remainingMs, requests: step.requests, timeoutMs: step.timeoutMs, maxInFlight: step.maxInFlight, ...(stopWhen ? { stopWhen } : {}) };
    const run = registry.start(key, () => (options.start ?? startLoad)(load));
    if (!run) return { kind: 'wait', why: 'Load step waits: this control plane cannot start another load generator now' };
    return fromRun(run, key, registry, ctx, state);
  } catch (error) {
    // A refused target or an invalid step is a configuration problem, not evidence against the canary:
    // the rollout halts here (as analysis does on errors) until a person fixes the spec or aborts.
    if (!isSluiceError(error)) throw error;
    return { kind: 'wait', why: `Load step cannot start: ${error.message}` };
  }
}

function fromRun(run: LoadRun, key: string, registry: LoadRegistry, ctx: StepContext, state: LoadStepState): StepProgress {
  const { rollout, now } = ctx;
  switch (run.state) {
    case 'running': {
      const stats = run.stats();
      return { kind: 'wait', why: `Load: ${stats.sent} sent, ${stats.errors} errors, p99 ${formatLoadNumber(stats.p99Ms)} ms`, until: now + LOAD_POLL_MS };
    }
    case 'finished':
      return recordTotals(rollout, state, now, run.stats(), run.reason);
    case 'tripped':
      return tripped(rollout, state, now, run);
    case 'stopped':
      // Stopped by someone else (stopExcept or shutdown) while the step is still current: start anew.
      registry.remove(key);
      return { kind: 'wait', why: 'Load generator was stopped; starting it again for the remaining time', until: now };
  }
}

function loadFinished(stats: LoadStats, outcome: 'finished' | 'tripped', reason: string, why: string): EventDraft {
  return { type: EventType.LoadFinished, from: 'running', to: outcome, reason: why, data: { ...loadTotalsData(stats), reason } };
}

function withTotals(state: LoadStepState, stats: LoadStats): StepState {
  return { ...state, load: { ...state.load, sent: stats.sent, errors: stats.errors } };
}

/** Records the final totals and the LoadFinished event; the next pass sees `load.sent` and reports done. */
function recordTotals(rollout: Rollout, state: LoadStepState, now: number, stats: LoadStats, reason: string): StepProgress {
  const why = `Load finished (${reason}): ${describeLoadTotals(stats)}`;
  const event = loadFinished(stats, 'finished', reason, why);
  return { kind: 'change', change: patchRollout(rollout, { stepState: withTotals(state, stats), message: why }, now, [event]) };
}

/** The breaker tripped: record the totals and fail the rollout, which returns traffic to stable. */
function tripped(rollout: Rollout, state: LoadStepState, now: number, run: LoadRun): StepProgress {
  const stats = run.stats();
  const reason = `Load step stopped: ${run.reason}`;
  const event = loadFinished(stats, 'tripped', run.reason, `${reason}: ${describeLoadTotals(stats)}`);
  const recorded = patchRollout(rollout, { stepState: withTotals(state, stats) }, now, []);
  const aborted = requestAbort(recorded.rollout, 'failure', reason, now);
  return { kind: 'change', change: { rollout: aborted.rollout, events: [event, ...recorded.events, ...aborted.events] } };
}

function emptyStats(): LoadStats {
  const statusClasses = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 };
  return { sent: 0, completed: 0, inFlight: 0, errors: 0, timeouts: 0, dropped: 0, skipped: 0, statusClasses, errorRate: 0, p50Ms: NaN, p99Ms: NaN, maxMs: NaN };
}
