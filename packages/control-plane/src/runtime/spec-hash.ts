import { createHash } from 'node:crypto';
import type { RunSpec } from '@sluice/domain';

/**
 * Identity of what a process runs: command, working directory and environment. Replicas, readiness
 * and grace period are left out on purpose, because changing them must not restart instances.
 */
export function specHash(run: RunSpec): string {
  const env = Object.keys(run.env)
    .sort()
    .map((name) => [name, run.env[name]]);
  const identity = JSON.stringify({ command: run.command, cwd: run.cwd ?? null, env });
  return createHash('sha256').update(identity).digest('hex').slice(0, 16);
}

/** "checkout/v2": how workloads are named in logs and error messages. */
export function workloadName(key: { readonly service: string; readonly version: string }): string {
  return `${key.service}/${key.version}`;
}

/** "v2-0" for replica 0 of the first generation, "v2-0.1" once a changed spec replaced it. */
export function instanceId(version: string, index: number, generation: number): string {
  return generation === 0 ? `${version}-${index}` : `${version}-${index}.${generation}`;
}
