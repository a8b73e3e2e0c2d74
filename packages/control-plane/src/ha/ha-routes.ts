import type { Clock } from '@sluice/domain';
import { Hono } from 'hono';
import type { Store } from '../store/store.js';
import type { Role } from './leader-election.js';

export interface HaRouteDeps {
  readonly store: Pick<Store, 'leases' | 'dataPlaneReports'>;
  readonly clock: Clock;
  /** This replica's role and term. */
  readonly leadership: { role(): Role; term(): number | undefined };
  /** The lease the replicas compete for. */
  readonly lease: string;
}

/** How recent a data plane's last report must be to count as connected. */
const CONNECTED_WITHIN_MS = 10_000;

/**
 * GET /leader: this replica's role and who leads (the lease); GET /data-planes: what each remote data
 * plane last reported it serves, and how long ago.
 */
export function haRoutes(deps: HaRouteDeps): Hono {
  const api = new Hono();
  api.get('/leader', async (c) => {
    const lease = await deps.store.leases.get(deps.lease);
    const now = deps.clock.now();
    const leader = lease === undefined || lease.expiresAt <= now ? null : { holder: lease.holder, term: lease.token, expiresInMs: lease.expiresAt - now };
    return c.json({ replica: { role: deps.leadership.role(), term: deps.leadership.term() ?? null }, leader });
  });
  api.get('/data-planes', async (c) => {
    const now = deps.clock.now();
    const reports = await deps.store.dataPlaneReports.list(0);
    const items = reports.map((r) => ({ ...r, ageMs: Math.max(0, now - r.receivedAt), connected: now - r.receivedAt <= CONNECTED_WITHIN_MS }));
    return c.json({ items });
  });
  return api;
}
