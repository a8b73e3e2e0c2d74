import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { TimerHandle } from './proxy-timers.js';

type RequestFn = (options: http.RequestOptions) => http.ClientRequest;

/** Where an instance stands: only `healthy` instances take new requests. */
export type InstanceState = 'healthy' | 'ejected' | 'unhealthy' | 'draining';

/** The result of the last active health check of an instance. */
export interface HealthCheckResult {
  readonly ok: boolean;
  /** When it finished (epoch ms, from the proxy's clock). */
  readonly at: number;
  /** Status code or error, e.g. "503" or "ECONNREFUSED". */
  readonly detail: string;
}

/** One upstream instance as `health()` reports it. */
export interface InstanceHealth {
  readonly url: string;
  readonly state: InstanceState;
  /** Requests in flight to it now. */
  readonly inflight: number;
  /** 5xx answers and connect failures in a row (passive outlier detection). */
  readonly consecutiveFailures: number;
  /** How many times it was ejected; each ejection lasts longer. */
  readonly ejections: number;
  /** When its current ejection ends (epoch ms); absent when not ejected. */
  readonly ejectedUntil?: number;
  /** Last active health check; absent when the route has no health check. */
  readonly lastCheck?: HealthCheckResult;
}

// Free sockets expire before the 5 s keep-alive of a default Node upstream, so a reused socket is rarely reset;
// the agent shortens this further when the upstream announces a shorter Keep-Alive timeout.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: 4000, scheduling: 'lifo' } as const;

/**
 * One upstream endpoint with its own keep-alive pool, so removing it from a route can drain exactly its
 * sockets. The mutable fields are its health, read by every pick and written by the outlier detector
 * and the health checker; everything a request reads is parsed once, here.
 */
export class UpstreamInstance {
  readonly url: string;
  readonly request: RequestFn;
  readonly agent: http.Agent;
  readonly hostname: string;
  readonly port: number;
  /** Host header sent upstream (the endpoint's authority). */
  readonly authority: string;
  /** Path the endpoint URL carries ("" or "/base"), prepended to every request path. */
  readonly pathPrefix: string;
  /** False while ejected, failing health checks or draining: picks skip it. */
  available = true;
  inflight = 0;
  consecutiveFailures = 0;
  ejections = 0;
  /** Epoch ms the current ejection ends; 0 when not ejected. */
  ejectedUntil = 0;
  /** When the last ejection ended, to forget old ejections after a good spell. */
  returnedAt = 0;
  ejectTimer: TimerHandle | undefined = undefined;
  /** The active health check's verdict: true after `unhealthyThreshold` failures, until `healthyThreshold` passes. */
  checkFailing = false;
  /** Consecutive check results agreeing with each other: > 0 passes, < 0 failures. */
  checkStreak = 0;
  lastCheck: HealthCheckResult | undefined = undefined;
  checkTimer: TimerHandle | undefined = undefined;
  draining = false;
  /** Idle raw keep-alive sockets of the fast path (most recent last); see fast/upstream-pool.ts. */
  readonly idle: Socket[] = [];
  /** True for http: endpoints: the fast path speaks plain HTTP/1.1 on raw sockets only. */
  readonly plain: boolean;

  constructor(url: URL, endpoint: string) {
    const secure = url.protocol === 'https:';
    this.plain = !secure;
    this.url = endpoint;
    this.request = secure ? https.request : http.request;
    this.agent = secure ? new https.Agent(AGENT_OPTIONS) : new http.Agent(AGENT_OPTIONS);
    this.hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
    this.authority = url.host;
    this.pathPrefix = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  }

  /** Recomputes `available` after any health field changed. */
  refresh(): void {
    this.available = !this.draining && this.ejectedUntil === 0 && !this.checkFailing;
  }

  /** Called when an attempt to this instance ends; the last one out of a draining instance closes its pool. */
  release(): void {
    if (--this.inflight === 0 && this.draining) this.closePools();
  }

  /** Takes no new requests, closes idle pooled sockets now and the rest as their requests finish. */
  drain(): void {
    this.draining = true;
    this.refresh();
    if (this.inflight === 0) {
      this.closePools();
      return;
    }
    for (const sockets of Object.values(this.agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    for (const socket of this.idle.splice(0)) socket.destroy();
  }

  /** Closes both connection pools: node:http's agent and the fast path's idle sockets. */
  closePools(): void {
    this.agent.destroy();
    for (const socket of this.idle.splice(0)) socket.destroy();
  }

  get state(): InstanceState {
    if (this.draining) return 'draining';
    if (this.ejectedUntil !== 0) return 'ejected';
    return this.checkFailing ? 'unhealthy' : 'healthy';
  }

  health(): InstanceHealth {
    const { url, state, inflight, consecutiveFailures, ejections, ejectedUntil, lastCheck } = this;
    const base = { url, state, inflight, consecutiveFailures, ejections };
    const withEjection = ejectedUntil === 0 ? base : { ...base, ejectedUntil };
    return lastCheck === undefined ? withEjection : { ...withEjection, lastCheck };
  }
}

/** Parses an endpoint URL; throws INVALID_SPEC naming the route and version when it is not http(s). */
export function parseEndpoint(service: string, version: string, endpoint: string): URL {
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
  return url;
}

/** The path sent upstream: the endpoint's base path plus the request's path and query (absolute-form reduced). */
export function upstreamPath(instance: UpstreamInstance, url: string): string {
  // Origin-form ("/path?q") is the norm; absolute-form ("http://host/path") is reduced to its path.
  let path = url;
  if (url.charCodeAt(0) !== 47 && url !== '*') {
    try {
      const parsed = new URL(url);
      path = parsed.pathname + parsed.search;
    } catch {
      path = '/';
    }
  }
  return instance.pathPrefix === '' ? path : instance.pathPrefix + path;
}
