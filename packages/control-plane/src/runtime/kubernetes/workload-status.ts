import type { InstanceStatus, RollingUpdateStatus, WorkloadSpec, WorkloadStatus } from '../runtime.js';
import { workloadName } from './deployment-manifest.js';
import type { KubeObject } from './kube-client.js';
import { deploymentStatus, desiredReplicas, rolloutStatus } from './rollout-status.js';

/** The in-cluster URL of a version's Service: what the runtime hands to the TrafficRouter. */
export function serviceEndpoint(spec: WorkloadSpec, port: number, namespace: string): string {
  return `http://${workloadName(spec.service, spec.version)}.${namespace}.svc.cluster.local:${port}`;
}

/**
 * A Deployment as a WorkloadStatus. Kubernetes balances a version's pods behind its Service, so the
 * ready endpoint is the Service URL (one, while any replica is ready), and `instances` are replica slots
 * (`<deployment>#<i>`, ready ones first), not pods: pod names and IPs are Kubernetes' business.
 */
export function workloadStatus(spec: WorkloadSpec, deployment: KubeObject | undefined, port: number, namespace: string): WorkloadStatus {
  const base = { service: spec.service, version: spec.version };
  if (deployment === undefined) return { ...base, desiredReplicas: 0, instances: [], readyEndpoints: [] };
  const status = deploymentStatus(deployment);
  const desired = desiredReplicas(deployment);
  const ready = status.readyReplicas ?? 0;
  const endpoint = serviceEndpoint(spec, port, namespace);
  const slots = Math.max(desired, status.replicas ?? 0);
  const instances: InstanceStatus[] = Array.from({ length: slots }, (_, i) => ({
    id: `${deployment.metadata.name}#${i}`,
    endpoint,
    state: i < ready ? 'ready' : i < desired ? 'starting' : 'stopping',
    restarts: 0,
  }));
  const rollout = rolloutStatus(deployment);
  const update: RollingUpdateStatus | undefined = rollout.complete ? undefined : { state: 'progressing', reason: rollout.failed ?? rollout.message };
  return { ...base, desiredReplicas: desired, instances, readyEndpoints: ready > 0 ? [endpoint] : [], ...(update === undefined ? {} : { update }) };
}
