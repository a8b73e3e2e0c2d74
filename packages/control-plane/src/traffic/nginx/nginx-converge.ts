import { ErrorCode, SluiceError } from '@sluice/domain';
import type { RouteSpec } from '@sluice/domain';
import type { NginxControl } from './nginx-control.js';
import { probeGeneration } from './nginx-probe.js';
import { nginxWorkers } from './nginx-workers.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The pids of the workers accepting connections now (before a reload), empty when unknown. */
export async function acceptingWorkers(control: NginxControl): Promise<number[]> {
  const master = await control.masterPid();
  if (master === undefined) return [];
  return ((await nginxWorkers(master)) ?? []).filter((w) => !w.shuttingDown).map((w) => w.pid);
}

/** How many of `pids` are still running, and how many of those still accept connections. */
async function oldWorkers(control: NginxControl, pids: readonly number[]): Promise<{ alive: number; accepting: number }> {
  const master = await control.masterPid();
  if (master === undefined || pids.length === 0) return { alive: 0, accepting: 0 };
  const workers = ((await nginxWorkers(master)) ?? []).filter((w) => pids.includes(w.pid));
  return { alive: workers.length, accepting: workers.filter((w) => !w.shuttingDown).length };
}

/** What a reload must reach before the change counts as served. */
export interface ConvergenceTarget {
  /** The service whose listener must answer `generation`; absent for a removal. */
  readonly route?: RouteSpec;
  readonly listen?: string;
  readonly generation: number;
  /** Workers of the previous configuration: each must stop accepting. */
  readonly previousWorkers: readonly number[];
  readonly timeoutMs: number;
  /** How long to wait, beyond convergence, for the previous workers to exit (not an error when they do not). */
  readonly settleMs: number;
}

/**
 * Waits until the listener answers the new generation on fresh connections and every worker of the
 * previous configuration has stopped accepting; throws ADAPTER_FAILED (with nginx's error log) after
 * `timeoutMs`. Then gives the old workers up to `settleMs` to finish their requests and exit.
 */
export async function converge(control: NginxControl, target: ConvergenceTarget): Promise<void> {
  const deadline = Date.now() + target.timeoutMs;
  const want = String(target.generation);
  let last = '';
  for (;;) {
    last = target.route === undefined || target.listen === undefined ? want : await probeGeneration(target.route, target.listen);
    const old = await oldWorkers(control, target.previousWorkers);
    if (last === want && old.accepting === 0) break;
    if (Date.now() > deadline) {
      const served = last === want ? `${old.accepting} old worker(s) still accepting` : `it answers ${JSON.stringify(last)}`;
      throw new SluiceError(
        ErrorCode.ADAPTER_FAILED,
        `nginx did not start serving generation ${want} within ${target.timeoutMs} ms (${served}); nginx error log: ${(await control.errorTail()) || 'empty'}`,
      );
    }
    await sleep(5);
  }
  const settleBy = Date.now() + target.settleMs;
  while ((await oldWorkers(control, target.previousWorkers)).alive > 0 && Date.now() < settleBy) await sleep(5);
}
