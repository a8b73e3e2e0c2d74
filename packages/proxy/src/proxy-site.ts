import type { Socket } from 'node:net';
import { listenKey } from '@sluice/domain';
import type { ProxyRequest, ProxyResponse } from './exchange.js';
import { answeredWithClose } from './exchange.js';
import { HostTable } from './host-table.js';
import type { HostedRoute } from './host-table.js';
import { parseListen } from './listen-address.js';
import { applyServerLimits, bindListener } from './listener.js';
import type { Listener, ListenerHandlers } from './listener.js';
import { errorBody, rawErrorResponse } from './proxy-error.js';
import type { ProxyFailure } from './proxy-error.js';
import type { ProxyLimits } from './proxy-limits.js';
import { onClientError, onClientTimeout, serveRequest } from './serve-request.js';
import type { RouteContext } from './serve-request.js';
import { serveUpgrade } from './upgrade.js';
import { ErrorCode } from '@sluice/domain';

/** A route as a site serves it. */
export interface SiteRoute extends RouteContext, HostedRoute {}

/**
 * One listen address and the routes sharing it: a request goes to the route its Host header names
 * (see HostTable). A route alone on its address (the usual case) is served whatever the Host.
 */
export interface Site<R extends SiteRoute> {
  /** The address as services compare it (see listenKey); a unique key for port 0. */
  readonly key: string;
  readonly listener: Listener;
  readonly table: HostTable<R>;
}

let unique = 0;

/** The key of the site a route with this listen address joins. Port 0 never shares. */
export function siteKey(listen: string): string {
  return listenKey(listen) ?? `port-0#${++unique}`;
}

/** Binds a new site on `listen` for its first route. Rejects with ADAPTER_FAILED naming the address. */
export async function bindSite<R extends SiteRoute>(key: string, first: R, listen: string, limits: ProxyLimits): Promise<Site<R>> {
  const address = parseListen(first.service, listen);
  const table = new HostTable<R>();
  let site: Site<R> | undefined;
  const handlers = siteHandlers(table, () => site!);
  const listener = await bindListener(first.service, listen, address.host, address.port, limits, handlers);
  site = { key, listener, table };
  table.set(first, listen);
  return site;
}

/** Applies the server-level limits every route of the site can live with: the largest head, the longest head timeout. */
export function applySiteLimits<R extends SiteRoute>(site: Site<R>): void {
  const routes = site.table.routes;
  const first = routes[0];
  if (first === undefined) return;
  let limits = first.snapshot.limits;
  for (const route of routes) {
    const own = route.snapshot.limits;
    if (own.maxHeaderBytes > limits.maxHeaderBytes || own.headersTimeoutMs > limits.headersTimeoutMs) {
      limits = { ...limits, maxHeaderBytes: Math.max(limits.maxHeaderBytes, own.maxHeaderBytes), headersTimeoutMs: Math.max(limits.headersTimeoutMs, own.headersTimeoutMs) };
    }
  }
  applyServerLimits(site.listener, limits);
}

function siteHandlers<R extends SiteRoute>(table: HostTable<R>, site: () => Site<R>): ListenerHandlers {
  return {
    request: (listener: Listener, req: ProxyRequest, res: ProxyResponse, expectsContinue: boolean) => {
      const route = table.lookup(req.headers.host);
      if (route === undefined) misdirected(site(), req.headers.host, res);
      else serveRequest(route, listener, req, res, expectsContinue);
    },
    upgrade: (listener: Listener, req: ProxyRequest, socket: Socket, head: Buffer) => {
      const route = table.lookup(req.headers.host);
      // Pipelined behind an answer that closes the connection: no tunnel (see answeredWithClose).
      if (answeredWithClose(req)) socket.end();
      else if (route === undefined) socket.end(rawErrorResponse(misdirection(site(), req.headers.host)));
      else serveUpgrade(route, listener, req, socket, head);
    },
    clientError: (_listener: Listener, error: NodeJS.ErrnoException, socket: Socket) => {
      // The request could not be read, so neither could its Host: the route without hosts (or any) answers.
      const route = table.lookup(undefined) ?? table.routes[0];
      if (route === undefined) socket.destroy();
      else onClientError(route, error, socket);
    },
    timeout: onClientTimeout,
    route: (host: string) => table.lookup(host),
    sticky: () => table.single?.snapshot,
  };
}

/** 421: no route of this address answers that host. */
function misdirection<R extends SiteRoute>(site: Site<R>, host: string | undefined): ProxyFailure {
  const message = `no service on ${site.listener.address} answers host "${host ?? ''}"; expected one of: ${site.table.describe()}`;
  return { status: 421, code: ErrorCode.SERVICE_NOT_FOUND, message, cause: 'bad-request' };
}

function misdirected<R extends SiteRoute>(site: Site<R>, host: string | undefined, res: ProxyResponse): void {
  const body = errorBody(misdirection(site, host));
  res.writeHead(421, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
