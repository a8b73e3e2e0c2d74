import { join } from 'node:path';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { BuiltinProxy, ClusterProxy, type ProxyObservation } from '@sluice/proxy';
import type { Logger } from './platform/logger.js';
import { BuiltinProxyRouter } from './traffic/builtin-proxy/builtin-proxy-router.js';
import { ClusterProxyRouter } from './traffic/proxy-cluster/cluster-proxy-router.js';
import type { TrafficRouter } from './traffic/traffic-router.js';

/**
 * Which engine serves the services' traffic: the built-in proxy (in this process, or as worker
 * processes), or an nginx or HAProxy that Sluice starts and drives. Part of the composition root:
 * the only place a data plane is chosen and constructed.
 */
export const DATA_PLANE_KINDS = ['builtin', 'nginx', 'haproxy'] as const;
export type DataPlaneKind = (typeof DATA_PLANE_KINDS)[number];

export interface DataPlaneChoice {
  readonly kind: DataPlaneKind;
  /** Built-in proxy only: N > 0 runs it as N worker processes. */
  readonly workers: number;
  /** Where an owned nginx or HAProxy keeps its config, pid, sockets and logs. */
  readonly stateDir: string;
  readonly observer: (o: ProxyObservation) => void;
  readonly log: Logger;
}

export function isDataPlaneKind(text: string): text is DataPlaneKind {
  return (DATA_PLANE_KINDS as readonly string[]).includes(text);
}

export async function startDataPlane(choice: DataPlaneChoice): Promise<TrafficRouter> {
  const { kind, workers, observer, log } = choice;
  if (kind !== 'builtin' && workers > 0) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `--proxy-workers applies to the built-in proxy, not to ${kind}`, { problems: [{ path: '--proxy-workers', message: `not with --data-plane ${kind}`, expected: '0, or --data-plane builtin' }] });
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
