import type { RouteSpec, RuleAction, TrafficSplit } from '@sluice/domain';
import { toIstioMatches } from './istio-matches.js';
import type { KubeResource } from '../kube-resources.js';

export const ISTIO_API_VERSION = 'networking.istio.io/v1';
import { GENERATION_ANNOTATION, ROUTE_ANNOTATION, SPLIT_ANNOTATION, type StoredRoute } from '../kube-resources.js';

export interface IstioRenderOptions {
  readonly namespace: string;
  /** The mesh host of a service (its Kubernetes Service); default the service name. */
  readonly host: (service: string) => string;
  /** Gateways the VirtualService binds to (e.g. "istio-system/ingress", "mesh"); absent: the mesh only. */
  readonly gateways?: readonly string[];
  /** Pod label whose value is the version (DestinationRule subsets select on it); default "version". */
  readonly versionLabel: string;
}


/** A DNS-1123 label from any text (subset and object names). */
export function dnsLabel(text: string): string {
  const cleaned = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').replace(/-+$/, '');
  return (cleaned.length === 0 ? 'x' : cleaned).slice(0, 63).replace(/-+$/, '');
}

/** 0.01 % resolution as integer weights out of 10000 (Istio accepts weights that do not sum to 100). */
function canaryWeight(percent: number): number {
  return Math.round(percent * 100);
}

type Destination = { readonly destination: { readonly host: string; readonly subset: string }; readonly weight?: number };

function destinations(host: string, stable: string, action: RuleAction | { kind: 'main'; canary?: string; weight: number }): Destination[] {
  const to = (version: string, weight?: number): Destination => ({ destination: { host, subset: dnsLabel(version) }, ...(weight === undefined ? {} : { weight }) });
  if (action.kind === 'version') return [to(action.version)];
  if (action.canary === undefined) return [to(stable)];
  const canary = canaryWeight(action.weight);
  return [to(stable, 10_000 - canary), to(action.canary, canary)];
}

/** The http routes: the split's rules in order (Istio takes the first match, as Sluice does), then the weighted split. */
function httpRoutes(service: string, split: TrafficSplit, options: IstioRenderOptions): Record<string, unknown>[] {
  const host = options.host(service);
  const mirror = split.mirror === undefined ? {} : { mirror: { host, subset: dnsLabel(split.mirror.version) }, mirrorPercentage: { value: split.mirror.percent } };
  const routes: Record<string, unknown>[] = [];
  (split.rules ?? []).forEach((rule, index) => {
    const matches = toIstioMatches(rule.name, rule.conditions);
    if (matches.length === 0) return;
    const matchAll = matches.some((m) => Object.keys(m).length === 0);
    routes.push({ name: dnsLabel(`r${index}-${rule.name}`), ...(matchAll ? {} : { match: matches }), route: destinations(host, split.stable, rule.action), ...mirror });
  });
  const main = { kind: 'main' as const, weight: split.weight, ...(split.canary === undefined ? {} : { canary: split.canary }) };
  routes.push({ name: 'split', route: destinations(host, split.stable, main), ...mirror });
  return routes;
}

function managedMetadata(service: string, options: IstioRenderOptions, annotations?: Record<string, string>): KubeResource['metadata'] {
  return {
    name: dnsLabel(service),
    namespace: options.namespace,
    labels: { 'app.kubernetes.io/managed-by': 'sluice', 'sluice.dev/service': dnsLabel(service) },
    ...(annotations === undefined ? {} : { annotations }),
  };
}

export function renderVirtualService(service: string, split: TrafficSplit, generation: number, route: StoredRoute, options: IstioRenderOptions): KubeResource {
  const annotations = { [SPLIT_ANNOTATION]: JSON.stringify(split), [GENERATION_ANNOTATION]: String(generation), [ROUTE_ANNOTATION]: JSON.stringify(route) };
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'VirtualService',
    metadata: managedMetadata(service, options, annotations),
    spec: {
      hosts: route.hosts !== undefined && route.hosts.length > 0 ? route.hosts : [options.host(service)],
      ...(options.gateways === undefined ? {} : { gateways: options.gateways }),
      http: httpRoutes(service, split, options),
    },
  };
}

/** Every version the route or split names: each needs a subset before the VirtualService refers to it. */
export function subsetVersions(split: TrafficSplit, route: StoredRoute): string[] {
  const versions = new Set<string>([...Object.keys(route.backends), split.stable]);
  if (split.canary !== undefined) versions.add(split.canary);
  for (const rule of split.rules ?? []) versions.add(rule.action.kind === 'version' ? rule.action.version : rule.action.canary);
  if (split.mirror !== undefined) versions.add(split.mirror.version);
  return [...versions].sort();
}

export function renderDestinationRule(service: string, versions: readonly string[], options: IstioRenderOptions): KubeResource {
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'DestinationRule',
    metadata: managedMetadata(service, options),
    spec: {
      host: options.host(service),
      subsets: versions.map((version) => ({ name: dnsLabel(version), labels: { [options.versionLabel]: version } })),
    },
  };
}
