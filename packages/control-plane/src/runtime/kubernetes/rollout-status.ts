import type { KubeObject } from './kube-client.js';

/** What a Deployment's status says about its rollout (as `kubectl rollout status` reads it). */
export interface RolloutStatus {
  /** The controller saw the current spec, every replica is updated and available, no old ones remain. */
  readonly complete: boolean;
  /** Ready replicas running the current spec (0 until the controller observed it). */
  readonly readyUpdated: number;
  /** The Progressing condition says ProgressDeadlineExceeded: the rollout is stuck. */
  readonly failed?: string;
  readonly message: string;
}

interface DeploymentStatus {
  readonly observedGeneration?: number;
  readonly replicas?: number;
  readonly updatedReplicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  readonly conditions?: readonly { readonly type?: string; readonly status?: string; readonly reason?: string; readonly message?: string }[];
}

export function deploymentStatus(deployment: KubeObject): DeploymentStatus {
  return (deployment.status ?? {}) as DeploymentStatus;
}

export function desiredReplicas(deployment: KubeObject): number {
  return ((deployment.spec ?? {}) as { replicas?: number }).replicas ?? 1;
}

export function rolloutStatus(deployment: KubeObject): RolloutStatus {
  const status = deploymentStatus(deployment);
  const desired = desiredReplicas(deployment);
  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0);
  if (!observed) return { complete: false, readyUpdated: 0, message: 'waiting for the deployment spec update to be observed' };
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  const readyUpdated = Math.min(status.updatedReplicas ?? 0, status.readyReplicas ?? 0);
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { complete: false, readyUpdated, failed: progressing.message ?? 'progress deadline exceeded', message: `deployment ${deployment.metadata.name} exceeded its progress deadline` };
  }
  const updated = status.updatedReplicas ?? 0;
  if (updated < desired) return { complete: false, readyUpdated, message: `${updated} of ${desired} updated replicas are available` };
  if ((status.replicas ?? 0) > updated) return { complete: false, readyUpdated, message: `${(status.replicas ?? 0) - updated} old replicas are pending termination` };
  if ((status.availableReplicas ?? 0) < updated) return { complete: false, readyUpdated, message: `${status.availableReplicas ?? 0} of ${updated} updated replicas are available` };
  return { complete: true, readyUpdated, message: `deployment ${deployment.metadata.name} successfully rolled out` };
}
