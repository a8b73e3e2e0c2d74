import type { ManualClock } from '@sluice/domain';
import { Registry } from 'prom-client';
import { EventFeed } from '../../events/event-feed.js';
import { TrafficWindows } from '../../metrics/traffic-windows.js';
import { harness } from '../../orchestrator/testing/fixtures.js';
import { FlagHub } from '../../flags/flag-hub.js';
import type { FlagServices } from '../../flags/flag-services.js';
import { FlagTokens, type FlagTokenEntry } from '../../flags/flag-tokens.js';
import { silentLogger } from '../../platform/logger.js';
import type { ProviderResolver } from '../../providers/provider-factory.js';
import type { MemoryStore } from '../../store/memory/memory-store.js';
import type { Controller } from '../../orchestrator/controller.js';
import { createApi } from '../api-routes.js';
import { listenApi } from '../listen-api.js';

export interface TestApi {
  /** http://127.0.0.1:PORT, without /api/v1. */
  readonly url: string;
  readonly store: MemoryStore;
  readonly clock: ManualClock;
  /** The controller over the same store, not started: `reconcileOnce()` runs one pass. */
  readonly controller: Controller;
  /** The reader of new events behind /events/stream. */
  readonly eventFeed: EventFeed;
  /** The flag hub and client tokens the API runs with. */
  readonly flags: FlagServices;
  /** A JSON request to /api/v1`path`, answering the status and the parsed body. */
  call(path: string, init?: { method?: string; body?: string; actor?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * The whole API as createApi builds it, over a memory store and in-memory adapters, served over real
 * HTTP on a free port. The controller is not started: tests decide what state the store holds.
 */
export async function startTestApi(
  options: {
    readonly providers?: ProviderResolver;
    readonly flagTokens?: readonly FlagTokenEntry[];
    readonly eventFeed?: { readonly pollMs?: number; readonly maxStreams?: number };
    /** As ApiDeps: X-Forwarded-For trust and the self-approval policy. */
    readonly trustProxy?: boolean;
    readonly approvalPolicy?: { readonly selfApproval?: boolean };
  } = {},
): Promise<TestApi> {
  const h = harness();
  const store = h.store as MemoryStore;
  const flags: FlagServices = { hub: new FlagHub(store, { pollMs: 200 }), tokens: new FlagTokens(options.flagTokens ?? []) };
  await flags.hub.start();
  const eventFeed = new EventFeed(store, { pollMs: 50, ...options.eventFeed });
  const api = createApi({
    eventFeed,
    store,
    controller: h.controller,
    traffic: h.router,
    runtime: h.runtime,
    clock: h.clock,
    log: silentLogger,
    metrics: new Registry(),
    windows: new TrafficWindows({ clock: h.clock }),
    flags,
    ...(options.providers === undefined ? {} : { providers: options.providers }),
    trustProxy: options.trustProxy,
    approvalPolicy: options.approvalPolicy,
  });
  const { server, port } = await listenApi(api.fetch, '127.0.0.1', 0, silentLogger);
  const url = `http://127.0.0.1:${port}`;
  const call: TestApi['call'] = async (path, init = {}) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...(init.actor === undefined ? {} : { 'x-sluice-actor': init.actor }), ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    return { status: res.status, body: await res.json() };
  };
  const close = () =>
    new Promise<void>((resolve) => {
      flags.hub.close();
      eventFeed.close();
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
  return { url, store, clock: h.clock, controller: h.controller, eventFeed, flags, call, close };
}
