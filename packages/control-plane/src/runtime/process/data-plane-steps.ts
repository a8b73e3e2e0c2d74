import type { DataPlaneGate, WorkloadKey } from '../runtime.js';
import { workloadName } from '../spec-hash.js';
import type { ManagedInstance } from './managed-instance.js';

/** Each data-plane wait is bounded by the instance's grace period, but never shorter than this. */
export const MIN_DATA_PLANE_WAIT_MS = 1000;

export interface DataPlaneSteps {
  readonly gate: DataPlaneGate;
  /** Log every phase (a data plane is wired); otherwise only what goes wrong. */
  readonly verbose: boolean;
  readonly log: (line: string) => void;
}

/** Resolves once the data plane routes to the ready `instance`; rejects when `signal` aborts. */
export async function confirmInTable(steps: DataPlaneSteps, key: WorkloadKey, instance: ManagedInstance, signal: AbortSignal): Promise<void> {
  await steps.gate.awaitInTable(key, instance.endpoint, signal);
  if (steps.verbose) steps.log(`[runtime] ${nameOf(key, instance)} is ready and in the data plane's table`);
}

/**
 * What happens to an instance between leaving service and SIGTERM: the data plane stops routing
 * to it, then its in-flight requests finish. Each wait is bounded by the grace period; past it the
 * instance is stopped anyway, with a line saying so. `signal` aborting (the runtime closing) ends
 * the waits at once, quietly.
 */
export async function leaveDataPlane(steps: DataPlaneSteps, key: WorkloadKey, instance: ManagedInstance, signal: AbortSignal): Promise<void> {
  const name = nameOf(key, instance);
  const boundMs = Math.max(MIN_DATA_PLANE_WAIT_MS, instance.spec.run.gracePeriodMs);
  const endpoint = instance.endpoint;
  const out = await within((s) => steps.gate.awaitOutOfTable(key, endpoint, s), boundMs, signal);
  if (out === 'aborted') return;
  if (out === 'timeout') steps.log(`[runtime] ${name} is still in the data plane's table after ${boundMs}ms; stopping it anyway`);
  else if (steps.verbose) steps.log(`[runtime] ${name} is out of the data plane's table; draining`);
  const drained = await within((s) => steps.gate.awaitDrained(key, endpoint, s), boundMs, signal);
  if (drained === 'aborted') return;
  if (drained === 'timeout') steps.log(`[runtime] ${name} still has requests in flight after ${boundMs}ms; sending SIGTERM anyway`);
  else if (steps.verbose) steps.log(`[runtime] ${name} drained; sending SIGTERM`);
}

type Outcome = 'done' | 'timeout' | 'aborted';

async function within(wait: (signal: AbortSignal) => Promise<void>, timeoutMs: number, outer: AbortSignal): Promise<Outcome> {
  if (outer.aborted) return 'aborted';
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    await wait(AbortSignal.any([outer, timeout]));
    return 'done';
  } catch {
    return outer.aborted ? 'aborted' : 'timeout';
  }
}

function nameOf(key: WorkloadKey, instance: ManagedInstance): string {
  return `${workloadName(key)}#${instance.index} (${instance.id})`;
}
