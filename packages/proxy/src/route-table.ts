import http from 'node:http';
import https from 'node:https';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { copySplit, type RouteSpec, type TrafficSplit } from '@sluice/domain';

type RequestFn = (options: http.RequestOptions, callback: (res: http.IncomingMessage) => void) => http.ClientRequest;

/** One upstream endpoint, parsed once per route update so requests only read fields. */
export interface Target {
  /** The endpoint as configured, for error messages. */
  readonly url: string;
  readonly request: RequestFn;
  readonly agent: http.Agent;
  readonly hostname: string;
  readonly port: number;
  /** Host header sent upstream (the endpoint's authority). */
  readonly authority: string;
  /** Path the endpoint URL carries ("" or "/base"), prepended to every request path. */
  readonly pathPrefix: string;
}

/** The endpoints of one version, taken in turn. `cursor` is the only mutable field, by design. */
export interface Pool {
  readonly version: string;
  readonly targets: readonly Target[];
  cursor: number;
}

/** Everything a request reads, swapped as a whole: a request reads it once and never sees half a change. */
export interface RouteSnapshot {
  readonly service: string;
  readonly split: TrafficSplit;
  /** Increases with every accepted split change; 1 for a new route. */
  readonly generation: number;
  /** Lower-case request header carrying the stickiness key, if configured. */
  readonly stickyHeader: string | undefined;
  readonly cookie: string;
  readonly pools: ReadonlyMap<string, Pool>;
}

/** Keep-alive agents of one route, one per upstream protocol. */
export interface RouteAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

// Free sockets expire before the 5 s keep-alive of a default Node upstream, so a reused socket is rarely reset.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: 4000, scheduling: 'lifo' } as const;

export function createAgents(): RouteAgents {
  return { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) };
}

export function destroyAgents(agents: RouteAgents): void {
  agents.http.destroy();
  agents.https.destroy();
}

/** Rejects a split the proxy cannot serve, with INVALID_REQUEST naming the field. */
export function buildSnapshot(route: RouteSpec, split: TrafficSplit, generation: number, agents: RouteAgents): RouteSnapshot {
  const pools = new Map<string, Pool>();
  for (const [version, endpoints] of Object.entries(route.backends)) {
    pools.set(version, { version, targets: endpoints.map((e) => parseTarget(route.service, version, e, agents)), cursor: 0 });
  }
  return Object.freeze({
    service: route.service,
    split: copySplit(split),
    generation,
    stickyHeader: route.stickiness.header === undefined ? undefined : route.stickiness.header.toLowerCase(),
    cookie: route.stickiness.cookie,
    pools,
  });
}

/** The next target of a pool (round-robin), or undefined when the version has no endpoint. */
export function nextTarget(pool: Pool | undefined): Target | undefined {
  if (pool === undefined || pool.targets.length === 0) return undefined;
  const target = pool.targets[pool.cursor % pool.targets.length];
  pool.cursor = (pool.cursor + 1) % pool.targets.length;
  return target;
}

function parseTarget(service: string, version: string, endpoint: string, agents: RouteAgents): Target {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new SluiceError(
      ErrorCode.INVALID_SPEC,
      `route "${service}" version "${version}": endpoint "${endpoint}" is not an http(s) URL; expected e.g. "http://127.0.0.1:8081"`,
      { details: { service, version, endpoint } },
    );
  }
  const secure = url.protocol === 'https:';
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    url: endpoint,
    request: secure ? https.request : http.request,
    agent: secure ? agents.https : agents.http,
    hostname,
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    authority: url.host,
    pathPrefix: url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, ''),
  };
}
