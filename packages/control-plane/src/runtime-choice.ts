import { join } from 'node:path';
import type { Clock } from '@sluice/domain';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { KubernetesCluster } from './kubernetes-choice.js';
import type { Logger } from './platform/logger.js';
import { trafficGate } from './runtime/data-plane-gate.js';
import { ProcessRuntime } from './runtime/process/process-runtime.js';
import type { Runtime, RunRefusal } from './runtime/runtime.js';
import type { TrafficRouter } from './traffic/traffic-router.js';

/**
 * Where the versions run: local processes Sluice starts (default), or Deployments in a Kubernetes
 * cluster. Part of the composition root: the only place a runtime is chosen and constructed.
 */
export const RUNTIME_KINDS = ['process', 'kubernetes'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

export interface RuntimeChoice {
  readonly kind: RuntimeKind;
  /** Process runtime: where instance records live, and the working directory of `run` commands. */
  readonly stateDir: string;
  readonly cwd: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** The data plane a process runtime's rolling updates wait on. */
  readonly traffic: TrafficRouter;
  /** The connected cluster (required for "kubernetes"). */
  readonly cluster?: KubernetesCluster | undefined;
  /** Under --ha a local process would stop with the replica that started it: versions must give upstreams. */
  readonly highAvailability?: boolean | undefined;
}

export function isRuntimeKind(text: string): text is RuntimeKind {
  return (RUNTIME_KINDS as readonly string[]).includes(text);
}

export async function startRuntime(choice: RuntimeChoice): Promise<Runtime> {
  const { log } = choice;
  if (choice.kind === 'kubernetes') {
    if (choice.cluster === undefined) throw new SluiceError(ErrorCode.INVALID_REQUEST, 'the Kubernetes runtime needs a cluster; expected a kubeconfig (--kubeconfig, $KUBECONFIG) or an in-cluster service account');
    const { KubernetesRuntime } = await import('./runtime/kubernetes/kubernetes-runtime.js');
    const { client, namespace } = choice.cluster;
    log.info('runtime: Kubernetes Deployments', { namespace });
    return new KubernetesRuntime({ api: client, namespace, onWatchError: (error) => log.warn('Kubernetes watch failed; retrying', { error: String(error) }) });
  }
  const processes = new ProcessRuntime({
    stateDir: join(choice.stateDir, 'runtime'),
    cwd: choice.cwd,
    clock: choice.clock,
    log: (line) => log.info(line),
    // Rolling updates add an instance only once the proxy routes to it, and stop one only once it left and drained.
    dataPlane: trafficGate(choice.traffic),
  });
  return choice.highAvailability === true ? refusingToRun(processes) : processes;
}

/** The process runtime under --ha: apply refuses every `run` (a version must give `upstreams`). */
function refusingToRun(runtime: Runtime): Runtime {
  const refusal: RunRefusal = {
    field: 'command',
    message: 'under sluice server --ha a local process would stop with the replica that started it',
    expected: 'upstreams: [URL…] (you run the version), or sluice server --runtime kubernetes with an image',
  };
  return new Proxy(runtime, {
    get(target, property, receiver) {
      if (property === 'cannotRun') return () => refusal;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
