import { ErrorCode, rollingUpdateOf, SluiceError } from '@sluice/domain';
import type { RunSpec } from '@sluice/domain';
import type { RunRefusal, WorkloadSpec } from '../runtime.js';
import type { KubeObject } from './kube-client.js';

/** How a version's Deployment and Service are derived from the source Deployment. */
export interface WorkloadManifestOptions {
  readonly namespace: string;
  /** Image of a version; undefined keeps the source container's image (only env changes). */
  readonly image: (spec: WorkloadSpec) => string | undefined;
  /** Container whose image/env change; absent: the first container. */
  readonly container?: string;
  /** Service port; absent: the container's first port, else 80. */
  readonly port?: number;
  /** Pod label carrying the version (Istio subsets select on it). */
  readonly versionLabel: string;
}

type Json = Record<string, unknown>;

/** A DNS-1035 label (Service names are; Deployment names are DNS subdomains, so it fits both). */
export function dnsLabel(text: string): string {
  const cleaned = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  return (cleaned.length === 0 ? 'x' : cleaned).slice(0, 63).replace(/-+$/, '');
}

/** Name of a version's Deployment and Service: `${service}-${version}` (what the Gateway API router routes to). */
export function workloadName(service: string, version: string): string {
  return dnsLabel(`${service}-${version}`);
}

/** A label value from any text (at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends). */
function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
}

export function selectorLabels(service: string, version: string): Record<string, string> {
  return { 'sluice.dev/service': labelValue(service), 'sluice.dev/version': labelValue(version) };
}

/** The label selector of every workload Sluice manages (what the runtime watches). */
export const MANAGED_SELECTOR = 'app.kubernetes.io/managed-by=sluice';

function managedLabels(spec: WorkloadSpec, versionLabel: string): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': 'sluice', ...selectorLabels(spec.service, spec.version), [versionLabel]: labelValue(spec.version) };
}

function chosenContainer(containers: Json[], name: string | undefined, source: string): Json {
  const found = name === undefined ? containers[0] : containers.find((c) => c['name'] === name);
  if (found === undefined) throw new SluiceError(ErrorCode.ADAPTER_FAILED, `Deployment ${source} has no container ${name ?? '(none at all)'}; expected the container Sluice changes`);
  return found;
}

/** The port of the changed container (first declared), else the configured one, else 80. */
export function containerPort(source: KubeObject, options: WorkloadManifestOptions): number {
  if (options.port !== undefined) return options.port;
  const containers = ((((source.spec as Json | undefined)?.['template'] as Json | undefined)?.['spec'] as Json | undefined)?.['containers'] ?? []) as Json[];
  const ports = (chosenContainer(containers, options.container, source.metadata.name)['ports'] ?? []) as { containerPort?: number }[];
  return ports[0]?.containerPort ?? 80;
}

/** The container with the version's image and env (run.env entries replace same-named ones, then sorted). */
function versionContainer(container: Json, spec: WorkloadSpec, image: string | undefined): Json {
  const env = ((container['env'] ?? []) as Json[]).filter((e) => !(String(e['name']) in spec.run.env));
  const added = Object.entries(spec.run.env).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value }));
  return { ...container, ...(image === undefined ? {} : { image }), env: [...env, ...added] };
}

/**
 * The Deployment of one version, copied from the source Deployment's pod template: the version's image
 * and env, the managed labels (selector: sluice.dev/service + sluice.dev/version), `replicas`, and the
 * rolling update of the run spec.
 */
export function versionDeployment(source: KubeObject, spec: WorkloadSpec, replicas: number, options: WorkloadManifestOptions): KubeObject {
  const template = structuredClone(((source.spec as Json | undefined)?.['template'] ?? {}) as Json);
  const metadata = (template['metadata'] ?? {}) as Json;
  const podSpec = (template['spec'] ?? {}) as Json;
  const containers = (podSpec['containers'] ?? []) as Json[];
  const changed = chosenContainer(containers, options.container, source.metadata.name);
  const labels = managedLabels(spec, options.versionLabel);
  const rolling = rollingUpdateOf(spec.run);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: workloadName(spec.service, spec.version), namespace: options.namespace, labels, annotations: { 'sluice.dev/source': source.metadata.name } },
    spec: {
      replicas,
      selector: { matchLabels: selectorLabels(spec.service, spec.version) },
      progressDeadlineSeconds: Math.max(1, Math.ceil(rolling.progressDeadlineMs / 1000)),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: rolling.maxSurge, maxUnavailable: rolling.maxUnavailable } },
      template: {
        metadata: { labels: { ...((metadata['labels'] ?? {}) as Record<string, string>), ...labels }, ...(metadata['annotations'] === undefined ? {} : { annotations: metadata['annotations'] }) },
        spec: { ...podSpec, containers: containers.map((c) => (c === changed ? versionContainer(c, spec, options.image(spec)) : c)) },
      },
    },
  };
}

/** The Service of one version: selects its pods only; what the Gateway API router's backendRefs name. */
export function versionService(spec: WorkloadSpec, port: number, options: WorkloadManifestOptions): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: workloadName(spec.service, spec.version), namespace: options.namespace, labels: managedLabels(spec, options.versionLabel) },
    spec: { selector: selectorLabels(spec.service, spec.version), ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }] },
  };
}

/**
 * What apply says of a run the Kubernetes runtime should not start: a command without an image is meant
 * for local processes, and Kubernetes would silently run the source Deployment's image instead.
 */
export function kubernetesRunRefusal(run: RunSpec): RunRefusal | undefined {
  if (run.image !== undefined || run.command === undefined) return undefined;
  return {
    field: 'image',
    message: 'it runs images, and this version gives only a command',
    expected: 'an image, e.g. ghcr.io/acme/shop:1.4.0 (the command runs with --runtime process; a version may give both)',
  };
}
