import type { ExposureBudget } from '@sluice/domain';
import type { RolloutView, ServiceState } from './release-model';

export type Level = 'ok' | 'info' | 'warn' | 'bad';

/** One health signal at a glance: a short label, and what it means in the title. */
export interface Signal {
  readonly key: string;
  readonly level: Level;
  readonly label: string;
  readonly title: string;
}

const GATE_LEVEL: Readonly<Record<string, Level>> = { running: 'info', passed: 'ok', failed: 'bad', inconclusive: 'warn', halted: 'warn' };

/** Ready instances against desired, per version the service runs now (stable, and the rollout's target). */
function instanceSignals(service: ServiceState, rollout: RolloutView | undefined): Signal[] {
  const versions = new Set([service.status.stable, ...(rollout === undefined ? [] : [rollout.spec.target])]);
  return (service.workloads ?? [])
    .filter((w) => versions.has(w.version) && w.desiredReplicas > 0)
    .map((w) => {
      const ready = w.readyEndpoints.length;
      const short = ready < w.desiredReplicas;
      return {
        key: `instances:${w.version}`,
        level: short ? 'warn' : 'ok',
        label: `${w.version} ${ready}/${w.desiredReplicas} ready`,
        title: `${ready} of ${w.desiredReplicas} instances of ${w.version} pass their readiness check${short ? '; the data plane sends traffic only to ready ones' : ''}`,
      };
    });
}

function analysisSignals(rollout: RolloutView): Signal[] {
  const out: Signal[] = [];
  const step = rollout.status.stepState?.stepIndex === rollout.status.stepIndex ? rollout.status.stepState.analysis : undefined;
  for (const [key, name, run] of [['analysis', 'Analysis', step], ['background', 'Background analysis', rollout.status.background]] as const) {
    if (run === undefined) continue;
    out.push({ key, level: GATE_LEVEL[run.status] ?? 'info', label: `${name} ${run.status}`, title: `${name} of ${rollout.spec.target} against stable: ${run.status} (${run.reason})` });
  }
  return out;
}

function rolloutSignals(rollout: RolloutView): Signal[] {
  const { hold, guard, abortCause, pointOfNoReturn, phase, message } = rollout.status;
  const out: Signal[] = [];
  if (hold !== undefined) out.push({ key: 'hold', level: 'warn', label: `Held: ${hold.source}`, title: `${hold.reason}. Waits for a person: promote releases it, abort rolls back.` });
  for (const [name, breach] of Object.entries(guard?.breaches ?? {})) {
    const level: Level = breach.action === 'notify' ? 'info' : breach.action === 'pause' ? 'warn' : 'bad';
    out.push({ key: `guard:${name}`, level, label: `Guard ${name} fired`, title: `The release guardian's condition ${name} breached (${breach.action}): ${breach.reason}` });
  }
  out.push(...analysisSignals(rollout));
  if (pointOfNoReturn !== undefined) out.push({ key: 'ponr', level: 'warn', label: 'Past point of no return', title: `${pointOfNoReturn.reason}. A failure now holds the rollout instead of rolling back.` });
  if (abortCause === 'failure' && (phase === 'Aborting' || phase === 'Failed')) out.push({ key: 'failed', level: 'bad', label: 'Rolled back on failure', title: message });
  if (abortCause === 'user' && (phase === 'Aborting' || phase === 'Aborted')) out.push({ key: 'aborted', level: 'info', label: 'Aborted', title: message });
  return out;
}

/**
 * The health of a service and its active rollout, at a glance: what keeps the service from converging,
 * a hold, a guard that fired, an analysis, instances not ready; "Healthy" when nothing is wrong.
 */
export function healthOf(service: ServiceState, rollout: RolloutView | undefined): Signal[] {
  const signals: Signal[] = [];
  if (service.problem !== undefined) signals.push({ key: 'problem', level: 'bad', label: 'Not converging', title: `${service.problem} (the controller retries every second)` });
  if (rollout !== undefined) signals.push(...rolloutSignals(rollout));
  const instances = instanceSignals(service, rollout);
  const trouble = [...signals, ...instances].some((s) => s.level === 'warn' || s.level === 'bad');
  if (!trouble) {
    signals.unshift({ key: 'healthy', level: 'ok', label: 'Healthy', title: 'No hold, no guard breach, no failing analysis, and every instance is ready' });
    return [...signals, ...instances.filter((s) => s.level !== 'ok')];
  }
  return [...signals, ...instances];
}

const count = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const minutes = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** One measure of exposure, with the budget's cap when there is one. */
export interface ExposureMeasure {
  readonly label: string;
  readonly value: string;
  readonly cap?: string;
  /** Share of the cap used, 0..1 (absent without a cap). */
  readonly used?: number;
}

const MEASURES: readonly (readonly [key: 'requests' | 'failedRequests' | 'distinctKeys' | 'trafficMinutes', cap: keyof ExposureBudget, label: string])[] = [
  ['requests', 'maxRequests', 'requests'],
  ['failedRequests', 'maxFailedRequests', 'failed'],
  ['distinctKeys', 'maxDistinctKeys', 'users'],
  ['trafficMinutes', 'maxTrafficMinutes', 'traffic-min'],
];

/** What the rollout has exposed to its target so far, each against the exposure budget's cap. */
export function exposureOf(rollout: RolloutView): readonly ExposureMeasure[] {
  const { exposure } = rollout.status;
  const budget = rollout.spec.exposureBudget ?? {};
  return MEASURES.map(([key, capKey, label]) => {
    const value = exposure?.[key] ?? 0;
    const cap = budget[capKey];
    const fmt = key === 'trafficMinutes' ? minutes : count;
    return { label, value: `${key === 'distinctKeys' && value > 0 ? '~' : ''}${fmt.format(value)}`, ...(cap === undefined ? {} : { cap: fmt.format(cap), used: Math.min(1, value / cap) }) };
  });
}
