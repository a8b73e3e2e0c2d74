import { ErrorCode, isIntOrPercent, SluiceError } from '@sluice/domain';
import type { Problem } from '@sluice/domain';
import type { RunSpec } from '@sluice/domain';
import type { RunRefusal, WorkloadSpec } from '../runtime.js';
import { workloadName } from '../spec-hash.js';

/**
 * Rejects a spec the process runtime cannot run, before anything starts. The spec package validates
 * user files; this guards the runtime against other callers (API, tests) so bad input never crashes it.
 */
export function validateWorkloadSpec(spec: WorkloadSpec): void {
  const problems: Problem[] = [];
  const check = (ok: boolean, path: string, found: unknown, expected: string): void => {
    if (!ok) problems.push({ path, message: `invalid ${path}`, found: JSON.stringify(found) ?? String(found), expected });
  };
  const { run } = spec;
  check(typeof spec.service === 'string' && spec.service !== '', 'service', spec.service, 'a non-empty name');
  check(typeof spec.version === 'string' && spec.version !== '', 'version', spec.version, 'a non-empty name');
  check(typeof run.command === 'string' && run.command.trim() !== '' && !run.command.includes('\0'), 'run.command', run.command ?? null, 'a non-empty shell command (the process runtime starts commands; an image alone runs on Kubernetes)');
  check(Number.isInteger(run.replicas) && run.replicas >= 0 && run.replicas <= 1000, 'run.replicas', run.replicas, 'a whole number from 0 to 1000');
  check(isPositive(run.readiness.intervalMs), 'run.readiness.intervalMs', run.readiness.intervalMs, 'a number of milliseconds > 0');
  check(isPositive(run.readiness.timeoutMs), 'run.readiness.timeoutMs', run.readiness.timeoutMs, 'a number of milliseconds > 0');
  check(/^\/[\x21-\x7e]*$/.test(run.readiness.path), 'run.readiness.path', run.readiness.path, 'a path starting with "/" without spaces');
  check(Number.isFinite(run.gracePeriodMs) && run.gracePeriodMs >= 0, 'run.gracePeriodMs', run.gracePeriodMs, 'a number of milliseconds >= 0');
  const rolling = run.rollingUpdate;
  if (rolling !== undefined) {
    const countOrPercent = 'a whole number >= 0 or a percentage like "25%"';
    check(isIntOrPercent(rolling.maxSurge), 'run.rollingUpdate.maxSurge', rolling.maxSurge, countOrPercent);
    check(isIntOrPercent(rolling.maxUnavailable), 'run.rollingUpdate.maxUnavailable', rolling.maxUnavailable, countOrPercent);
    check(isPositive(rolling.progressDeadlineMs), 'run.rollingUpdate.progressDeadlineMs', rolling.progressDeadlineMs, 'a number of milliseconds > 0');
  }
  for (const [name, value] of Object.entries(run.env)) {
    const okName = /^[^=\0]+$/.test(name);
    check(okName && typeof value === 'string' && !value.includes('\0'), `run.env.${name}`, value, 'a name without "=" and a string value without NUL');
  }
  if (problems.length > 0) {
    const first = problems[0];
    throw new SluiceError(
      ErrorCode.INVALID_SPEC,
      `Cannot run ${workloadName(spec)}: ${first?.path} is ${first?.found}, expected ${first?.expected}` +
        (problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : ''),
      { problems },
    );
  }
}

function isPositive(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

/** What apply says of a run the process runtime cannot start: one without a command (an image alone is for Kubernetes). */
export function processRunRefusal(run: RunSpec): RunRefusal | undefined {
  if (run.command !== undefined) return undefined;
  return {
    field: 'command',
    message: 'it starts commands, and this version gives only an image',
    expected: 'a command, e.g. "node app.js" (an image runs with sluice server --runtime kubernetes; a version may give both)',
  };
}
