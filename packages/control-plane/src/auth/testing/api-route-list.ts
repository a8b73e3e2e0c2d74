import { Registry } from 'prom-client';
import { FlagHub } from '../../flags/flag-hub.js';
import { FlagTokens } from '../../flags/flag-tokens.js';
import { createApi } from '../../http/api-routes.js';
import { TrafficWindows } from '../../metrics/traffic-windows.js';
import { WebhookDispatcher } from '../../notifications/webhook-dispatcher.js';
import { harness } from '../../orchestrator/testing/fixtures.js';
import { silentLogger } from '../../platform/logger.js';
import { createApiAuth } from '../api-auth.js';

/** Every route createApi registers (all optional parts on, auth on), as "METHOD /path/:param", middleware left out. */
export function apiRouteKeys(): string[] {
  const h = harness();
  const app = createApi({
    store: h.store, controller: h.controller, traffic: h.router, runtime: h.runtime, clock: h.clock, log: silentLogger, metrics: new Registry(),
    windows: new TrafficWindows({ clock: h.clock }), flags: { hub: new FlagHub(h.store, {}), tokens: new FlagTokens([]) }, uiDir: '/nonexistent',
    webhooks: { dispatcher: new WebhookDispatcher({ store: h.store, sender: async () => ({ status: 200 }) as never, clock: h.clock }), policy: { allowHosts: [] } },
    auth: createApiAuth(h.store, h.clock, true),
    // Only registered, never called here: the optional routes of remote data planes and high availability.
    dataPlaneSync: { feed: {} as never, observe: () => {} },
    leadership: {} as never,
  });
  return [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];
}
