import { join } from 'node:path';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { BuiltinProxy, ClusterProxy, type ProxyObservation } from '@sluice/proxy';
import { parseGatewayRef, type KubernetesCluster } from './kubernetes-choice.js';
import type { Logger } from './platform/logger.js';
import { BuiltinProxyRouter } from './traffic/builtin-proxy/builtin-proxy-router.js';
import { ClusterProxyRouter } from './traffic/proxy-cluster/cluster-proxy-router.js';
import { PublishedRouter, type RouteTablePort } from './traffic/published/published-router.js';
import type { TrafficRouter } from './traffic/traffic-router.js';

/**
 * Which engine serves the services' traffic: the built-in proxy (in this process, or as worker
 * processes), an nginx or HAProxy that Sluice starts and drives, or a Kubernetes cluster's Gateway API
 * implementation or Istio mesh (routes Sluice writes). Part of the composition root:
 * the only place a data plane is chosen and constructed.
 */
export const DATA_PLANE_KINDS = ['builtin', 'nginx', 'haproxy', 'gateway-api', 'istio', 'remote'] as const;
export type DataPlaneKind = (typeof DATA_PLANE_KINDS)[number];

export interface DataPlaneChoice {
  readonly kind: DataPlaneKind;
  /** Built-in proxy only: N > 0 runs it as N worker processes. */
  readonly workers: number;
  /** Where an owned nginx or HAProxy keeps its config, pid, sockets and logs. */
  readonly stateDir: string;
  readonly observer: (o: ProxyObservation) => void;
  readonly log: Logger;
  /** The connected cluster (required for gateway-api and istio). */
  readonly cluster?: KubernetesCluster | undefined;
  /** Where route tables are published for remote data planes (required for remote). */
  readonly published?: { readonly port: RouteTablePort; readonly now: () => number } | undefined;
}

export function isDataPlaneKind(text: string): text is DataPlaneKind {
  return (DATA_PLANE_KINDS as readonly string[]).includes(text);
}

export async function startDataPlane(choice: DataPlaneChoice): Promise<TrafficRouter> {
  const { kind, workers, observer, log } = choice;
  if (kind !== 'builtin' && workers > 0) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `--proxy-workers applies to the built-in proxy, not to ${kind}`, { problems: [{ path: '--proxy-workers', message: `not with --data-plane ${kind}`, expected: '0, or --data-plane builtin' }] });
  }
  if (kind === 'gateway-api' || kind === 'istio') return kubernetesRouter(kind, choice.cluster, log);
  if (kind === 'remote') {
    if (choice.published === undefined) throw new SluiceError(ErrorCode.INTERNAL, '--data-plane remote: no route table store wired');
    log.info('data plane: remote built-in proxies (sluice proxy serve) reading the published route tables');
    return new PublishedRouter(choice.published);
  }
  if (kind === 'nginx') {
    // Loaded only when chosen: most installations never start nginx.
    const { NginxRouter } = await import('./traffic/nginx/nginx-router.js');
    log.info('data plane: nginx, started and driven by Sluice', { stateDir: join(choice.stateDir, 'nginx') });
    return new NginxRouter({ owned: { stateDir: join(choice.stateDir, 'nginx') }, observer });
  }
  if (kind === 'haproxy') {
    const { HaproxyRouter } = await import('./traffic/haproxy/haproxy-router.js');
    log.info('data plane: HAProxy, started and driven by Sluice', { stateDir: join(choice.stateDir, 'haproxy') });
    return new HaproxyRouter({ haproxy: { kind: 'owned', stateDir: join(choice.stateDir, 'haproxy') }, record: observer });
  }
  if (workers <= 0) return new BuiltinProxyRouter(new BuiltinProxy({ observer }));
  const cluster = await ClusterProxy.start({ workers, observer, log: (line) => log.warn(line) });
  log.info('built-in proxy running as worker processes', { workers });
  return new ClusterProxyRouter(cluster);
}

/** Refuses, before anything starts or connects, a Kubernetes data plane without the Kubernetes runtime (its routes name the Services that runtime creates). */
export function checkDataPlaneRuntime(kind: DataPlaneKind, runtime: string): void {
  if ((kind === 'gateway-api' || kind === 'istio') && runtime !== 'kubernetes') {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `--data-plane ${kind} routes to Deployments Sluice runs in a cluster; expected --runtime kubernetes`, {
      problems: [{ path: '--data-plane', message: `${kind} needs the Kubernetes runtime`, found: kind, expected: '--runtime kubernetes beside it' }],
    });
  }
}

/** The Gateway API or Istio router over the cluster the runtime runs the versions in. */
async function kubernetesRouter(kind: 'gateway-api' | 'istio', cluster: KubernetesCluster | undefined, log: Logger): Promise<TrafficRouter> {
  checkDataPlaneRuntime(kind, cluster === undefined ? 'process' : 'kubernetes');
  if (cluster === undefined) throw new SluiceError(ErrorCode.INTERNAL, `--data-plane ${kind}: no cluster connected`);
  const { client, namespace, choice } = cluster;
  if (kind === 'istio') {
    const { IstioRouter } = await import('./traffic/istio/istio-router.js');
    log.info('data plane: Istio VirtualServices and DestinationRules', { namespace, ...(choice.gateway === undefined ? {} : { gateway: choice.gateway }) });
    return new IstioRouter({ api: client, namespace, ...(choice.gateway === undefined ? {} : { gateways: [choice.gateway] }) });
  }
  if (choice.gateway === undefined) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, '--data-plane gateway-api: no Gateway to attach the HTTPRoutes to', {
      problems: [{ path: '--gateway', message: 'missing', expected: 'the Gateway, "name" or "namespace/name" (env SLUICE_GATEWAY)' }],
    });
  }
  const { GatewayApiRouter } = await import('./traffic/gateway-api/gateway-api-router.js');
  log.info('data plane: Gateway API HTTPRoutes', { namespace, gateway: choice.gateway, channel: choice.gatewayChannel ?? 'standard' });
  return new GatewayApiRouter({ api: client, namespace, parentRefs: [parseGatewayRef(choice.gateway)], ...(choice.gatewayChannel === undefined ? {} : { channel: choice.gatewayChannel }) });
}
