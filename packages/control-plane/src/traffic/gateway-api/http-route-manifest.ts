import { ErrorCode, SluiceError } from '@sluice/domain';
import type { MirrorSpec, RouteSpec, RuleAction, TrafficSplit } from '@sluice/domain';
import { toMatches } from './http-route-matches.js';
import type { HttpRouteMatch } from './http-route-matches.js';
import type { KubeResource } from '../kube-resources.js';

export const HTTP_ROUTE_API_VERSION = 'gateway.networking.k8s.io/v1';
import { GENERATION_ANNOTATION, ROUTE_ANNOTATION, SPLIT_ANNOTATION, type StoredRoute } from '../kube-resources.js';

/** A Gateway (or other parent) the HTTPRoute attaches to. */
export interface GatewayParentRef {
  readonly name: string;
  readonly namespace?: string;
  readonly sectionName?: string;
}

/** How HTTPRoutes are rendered. */
export interface HttpRouteRenderOptions {
  readonly namespace: string;
  readonly parentRefs: readonly GatewayParentRef[];
  /** Port of every per-version Service; absent: the port of the version's endpoint (what the Kubernetes runtime reports), else 80. */
  readonly port?: number;
  /** Name of the Service of one version; default `${service}-${version}`, made a valid DNS label. */
  readonly backendService: (service: string, version: string) => string;
  /** Adds rules[].sessionPersistence (Gateway API experimental channel). */
  readonly sessionPersistence: boolean;
}


/** A DNS-1035 label from any text: lower-case, [a-z0-9-], starts with a letter, at most 63 characters. */
export function dnsLabel(text: string): string {
  const cleaned = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  return (cleaned.length === 0 ? 'x' : cleaned).slice(0, 63).replace(/-+$/, '');
}

export function defaultBackendService(service: string, version: string): string {
  return dnsLabel(`${service}-${version}`);
}

/** 0.01 % resolution as integer weights out of 10000 (stable 10000 − w·100, canary w·100). */
export function canaryWeight(percent: number): number {
  return Math.round(percent * 100);
}

type BackendRef = { readonly name: string; readonly port: number; readonly weight: number };

/** The Service port of a version: the configured one, else its endpoint URL's (http://shop-v2.ns.svc.cluster.local:8080), else 80. */
function portOf(version: string, route: StoredRoute, options: HttpRouteRenderOptions): number {
  if (options.port !== undefined) return options.port;
  const endpoint = route.backends[version]?.[0];
  if (endpoint === undefined) return 80;
  try {
    const url = new URL(endpoint);
    return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  } catch {
    return 80;
  }
}

function backendRefs(service: string, stable: string, action: RuleAction | { kind: 'main'; canary?: string; weight: number }, route: StoredRoute, options: HttpRouteRenderOptions): BackendRef[] {
  const ref = (version: string, weight: number): BackendRef => ({ name: options.backendService(service, version), port: portOf(version, route, options), weight });
  if (action.kind === 'version') return [ref(action.version, 1)];
  if (action.canary === undefined) return [ref(stable, 10_000)];
  const canary = canaryWeight(action.weight);
  return [ref(stable, 10_000 - canary), ref(action.canary, canary)];
}

function mirrorFilter(service: string, mirror: MirrorSpec, route: StoredRoute, options: HttpRouteRenderOptions): Record<string, unknown> {
  const backendRef = { name: options.backendService(service, mirror.version), port: portOf(mirror.version, route, options) };
  const share = canaryWeight(mirror.percent);
  return { type: 'RequestMirror', requestMirror: share >= 10_000 ? { backendRef } : { backendRef, fraction: { numerator: share, denominator: 10_000 } } };
}

function sessionPersistence(route: StoredRoute): Record<string, unknown> {
  return route.stickiness.header === undefined ? { type: 'Cookie', sessionName: route.stickiness.cookie } : { type: 'Header', sessionName: route.stickiness.header };
}

/** Gateway API rule names are DNS labels, unique in the route. */
function ruleName(index: number, name: string): string {
  return dnsLabel(`r${index}-${name}`);
}

/** The HTTPRoute rules of a split: the match rules in order (never-matching ones left out), then the weighted split. */
export function renderRules(service: string, split: TrafficSplit, route: StoredRoute, options: HttpRouteRenderOptions): Record<string, unknown>[] {
  const filters = split.mirror === undefined ? {} : { filters: [mirrorFilter(service, split.mirror, route, options)] };
  const sticky = options.sessionPersistence ? { sessionPersistence: sessionPersistence(route) } : {};
  const rules: Record<string, unknown>[] = [];
  (split.rules ?? []).forEach((rule, index) => {
    const matches: HttpRouteMatch[] = toMatches(rule.name, rule.conditions);
    if (matches.length === 0) return;
    const splitting = rule.action.kind === 'split';
    rules.push({ name: ruleName(index, rule.name), matches, backendRefs: backendRefs(service, split.stable, rule.action, route, options), ...filters, ...(splitting ? sticky : {}) });
  });
  const main = { kind: 'main' as const, weight: split.weight, ...(split.canary === undefined ? {} : { canary: split.canary }) };
  rules.push({ name: 'split', matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: backendRefs(service, split.stable, main, route, options), ...filters, ...sticky });
  return rules;
}

/** The whole HTTPRoute for a service, with the split, its generation and the route in annotations. */
export function renderHttpRoute(service: string, split: TrafficSplit, generation: number, route: StoredRoute, options: HttpRouteRenderOptions): KubeResource {
  if (options.parentRefs.length === 0) throw new SluiceError(ErrorCode.INVALID_SPEC, 'Gateway API router: parentRefs is empty; expected the Gateway the HTTPRoutes attach to');
  return {
    apiVersion: HTTP_ROUTE_API_VERSION,
    kind: 'HTTPRoute',
    metadata: {
      name: dnsLabel(service),
      namespace: options.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'sluice', 'sluice.dev/service': dnsLabel(service) },
      annotations: {
        [SPLIT_ANNOTATION]: JSON.stringify(split),
        [GENERATION_ANNOTATION]: String(generation),
        [ROUTE_ANNOTATION]: JSON.stringify(route),
      },
    },
    spec: {
      parentRefs: options.parentRefs.map((p) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', ...p })),
      ...(route.hosts === undefined || route.hosts.length === 0 ? {} : { hostnames: route.hosts }),
      rules: renderRules(service, split, route, options),
    },
  };
}
