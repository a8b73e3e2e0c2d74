import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { ManualClock } from '@sluice/domain';
import { Registry } from 'prom-client';
import { EventFeed } from '../../events/event-feed.js';
import { FlagHub } from '../../flags/flag-hub.js';
import { FlagTokens, type FlagTokenEntry } from '../../flags/flag-tokens.js';
import { createApi } from '../../http/api-routes.js';
import { TrafficWindows } from '../../metrics/traffic-windows.js';
import { WebhookDispatcher } from '../../notifications/webhook-dispatcher.js';
import { harness, seed } from '../../orchestrator/testing/fixtures.js';
import { silentLogger, type Logger } from '../../platform/logger.js';
import type { MemoryStore } from '../../store/memory/memory-store.js';
import type { TokenRole } from '../../store/token-store.js';
import type { ApiAuth } from '../api-auth.js';
import { AuthFailureLimiter, type AuthFailureLimits } from '../rate-limiter.js';
import { TokenService } from '../token-service.js';

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface RequestOptions {
  readonly token?: string;
  readonly cookie?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

export interface AuthTestApi {
  readonly url: string;
  readonly store: MemoryStore;
  readonly clock: ManualClock;
  readonly auth: ApiAuth;
  /** Makes a token directly in the store and answers its text. */
  token(name: string, role: TokenRole, extra?: { services?: string[]; scopes?: string[]; expiresInMs?: number }): Promise<string>;
  /** One request to `path` (from the root); streams are cut once their headers arrived. */
  request(method: string, path: string, options?: RequestOptions): Promise<Answer>;
  close(): Promise<void>;
}

/**
 * Every route createApi has (the UI files, webhooks and flags included) over a memory store seeded
 * with the shop service and its rollout shop-v2, with auth on (unless `enabled: false`), served over
 * real HTTP on a free port.
 */
export async function startAuthApi(options: { enabled?: boolean; limits?: AuthFailureLimits; flagTokens?: readonly FlagTokenEntry[]; log?: Logger } = {}): Promise<AuthTestApi> {
  const h = harness();
  const store = h.store as MemoryStore;
  await seed(store);
  const uiDir = await mkdtemp(join(tmpdir(), 'sluice-auth-ui-'));
  await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>Sluice</title>');
  const auth: ApiAuth = { enabled: options.enabled ?? true, tokens: new TokenService(store.tokens, h.clock), limiter: new AuthFailureLimiter(h.clock, options.limits) };
  const flags = { hub: new FlagHub(store, { pollMs: 200 }), tokens: new FlagTokens(options.flagTokens ?? []) };
  await flags.hub.start();
  const eventFeed = new EventFeed(store, { pollMs: 50 });
  const log = options.log ?? silentLogger;
  const dispatcher = new WebhookDispatcher({ store, sender: async () => ({ status: 200 }) as never, clock: h.clock, log });
  const api = createApi({
    store, controller: h.controller, traffic: h.router, runtime: h.runtime, clock: h.clock, log, metrics: new Registry(),
    windows: new TrafficWindows({ clock: h.clock }), flags, uiDir, eventFeed, webhooks: { dispatcher, policy: { allowHosts: [] } }, auth,
  });
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve, reject) => {
    const server = serve({ fetch: api.fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve({ server, port: info.port }));
    server.once('error', reject);
  });
  const url = `http://127.0.0.1:${port}`;
  const token: AuthTestApi['token'] = async (name, role, extra = {}) =>
    (await auth.tokens.create({ name, role, services: extra.services ?? ['*'], scopes: extra.scopes ?? [], expiresInMs: extra.expiresInMs }, 'test')).text;
  const request: AuthTestApi['request'] = async (method, path, o = {}) => {
    const controller = new AbortController();
    const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
    if (o.token !== undefined) headers['authorization'] = `Bearer ${o.token}`;
    if (o.cookie !== undefined) headers['cookie'] = o.cookie;
    const res = await fetch(`${url}${path}`, { method, headers, signal: controller.signal, ...(o.body === undefined ? {} : { body: o.body }) });
    const streaming = (res.headers.get('content-type') ?? '').includes('text/event-stream');
    const text = streaming ? '' : await res.text();
    controller.abort();
    return { status: res.status, headers: res.headers, text };
  };
  const close = async () => {
    flags.hub.close();
    eventFeed.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
    await rm(uiDir, { recursive: true, force: true });
  };
  return { url, store, clock: h.clock, auth, token, request, close };
}
