import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Clock } from '@sluice/domain';
import type { ProxyObservation } from '@sluice/proxy';
import { Hono } from 'hono';
import { toErrorResponse } from '../../http/error-response.js';
import { silentLogger } from '../../platform/logger.js';
import { dataPlaneSyncRoutes, type DataPlaneSyncDeps } from '../data-plane-routes.js';
import type { MemoryRouteFeed } from '../memory-route-feed.js';

/** The data-plane routes alone, as a control-plane replica serves them, over real HTTP. */
export interface SyncServer {
  readonly url: string;
  /** Every request's path and query, in arrival order. */
  readonly requests: string[];
  /** The Authorization header of each request ("" when absent). */
  readonly authorizations: string[];
  readonly observed: ProxyObservation[];
  /** Stops listening and cuts every open connection (streams included): a control plane dying. */
  kill(): Promise<void>;
}

export async function startSyncServer(
  feed: MemoryRouteFeed,
  clock: Clock,
  options: { readonly port?: number } & Partial<Pick<DataPlaneSyncDeps, 'maxStreams' | 'heartbeatMs' | 'maxQueuedBytes' | 'slowClientMs'>> = {},
): Promise<SyncServer> {
  const requests: string[] = [];
  const authorizations: string[] = [];
  const observed: ProxyObservation[] = [];
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error, silentLogger);
    return c.json(body, status as 400);
  });
  app.use(async (c, next) => {
    authorizations.push(c.req.header('authorization') ?? '');
    requests.push(`${c.req.method} ${new URL(c.req.url).pathname}${new URL(c.req.url).search}`);
    await next();
  });
  const { port: _port, ...limits } = options;
  app.route('/api/v1', dataPlaneSyncRoutes({ feed, reports: feed, observe: (o) => observed.push(o), clock, log: silentLogger, heartbeatMs: 100, ...limits }));
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: options.port ?? 0 }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    authorizations,
    observed,
    kill: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on now (it was free a moment ago): a control plane that is down. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `check` until it holds; fails naming `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
