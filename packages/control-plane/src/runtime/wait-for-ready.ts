import { ErrorCode, SluiceError } from '@sluice/domain';
import type { InstanceStatus, WorkloadKey, WorkloadStatus } from './runtime.js';
import { workloadName } from './spec-hash.js';

/** The part of a Runtime that waiting needs. */
export interface ReadySource {
  /** Current state; undefined for an unknown workload. */
  status(key: WorkloadKey): WorkloadStatus | undefined;
  /** Called when ready endpoints change and when a workload is retired. */
  onChange(listener: (status: WorkloadStatus) => void): () => void;
}

export interface ReadyWait {
  readonly key: WorkloadKey;
  readonly min: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Extra words about one instance that is not ready, such as its last output line. */
  readonly explain?: (instance: InstanceStatus) => string | undefined;
}

/** Resolves once `min` instances of the workload are ready; rejects with ADAPTER_FAILED on timeout. */
export function waitForReady(source: ReadySource, wait: ReadyWait): Promise<void> {
  const { key, min, signal } = wait;
  const name = workloadName(key);
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const initial = source.status(key);
    if (initial === undefined) {
      return reject(
        new SluiceError(ErrorCode.ADAPTER_FAILED, `Cannot wait for ${name}: the runtime runs no such workload; call ensure() first`, {
          details: { service: key.service, version: key.version },
        }),
      );
    }
    if (initial.readyEndpoints.length >= min) return resolve();

    const finish = (error?: unknown): void => {
      clearTimeout(timer);
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => finish(signal?.reason);
    const unsubscribe = source.onChange((status) => {
      if (status.service !== key.service || status.version !== key.version) return;
      if (source.status(key) === undefined) {
        finish(new SluiceError(ErrorCode.ADAPTER_FAILED, `${name} was retired while waiting for ${min} ready instance(s)`));
      } else if (status.readyEndpoints.length >= min) {
        finish();
      }
    });
    const timeoutMs = Number.isFinite(wait.timeoutMs) ? Math.max(0, wait.timeoutMs) : 0;
    const timer = setTimeout(() => finish(notReadyError(source.status(key) ?? initial, wait)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function notReadyError(status: WorkloadStatus, wait: ReadyWait): SluiceError {
  const name = workloadName(wait.key);
  const lagging = status.instances.filter((i) => i.state !== 'ready').map((i) => describeInstance(i, wait.explain));
  const what = lagging.length > 0 ? `; not ready: ${lagging.join('; ')}` : '';
  return new SluiceError(
    ErrorCode.ADAPTER_FAILED,
    `${name} has ${status.readyEndpoints.length} of ${wait.min} required ready instance(s) after ${wait.timeoutMs}ms${what}`,
    {
      details: {
        service: wait.key.service,
        version: wait.key.version,
        ready: status.readyEndpoints.length,
        required: wait.min,
        instances: status.instances,
      },
    },
  );
}

function describeInstance(instance: InstanceStatus, explain: ReadyWait['explain']): string {
  const facts = [
    instance.lastExit === undefined ? undefined : `last exit ${instance.lastExit}`,
    instance.restarts > 0 ? `${instance.restarts} restart(s)` : undefined,
    explain?.(instance),
  ].filter((fact) => fact !== undefined);
  return `${instance.id} is ${instance.state}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}`;
}
