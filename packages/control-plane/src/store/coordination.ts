import { ErrorCode, SluiceError, type DataPlaneReport, type PublishedRoute, type RouteSpec, type StoredDataPlaneReport, type TrafficSplit } from '@sluice/domain';

/**
 * What several control-plane processes on one database coordinate through: a lease (leader
 * election with fencing tokens), the route tables the leader publishes to remote data planes, and
 * what those data planes report they serve.
 */

/** A named lease: who holds it, until when, and the fencing token of the current holder's term. */
export interface Lease {
  readonly name: string;
  readonly holder: string;
  /** Increases by one each time the lease changes hands; a holder's writes carry it (see LeaseCheck). */
  readonly token: number;
  /** ms since the epoch; after it anyone may take the lease. */
  readonly expiresAt: number;
}

/** Inside a transaction: the fencing check. */
export interface LeaseCheck {
  /**
   * Throws FENCED unless the lease `name` still carries `token` (the holder's term has not ended, so
   * nobody else has taken it since). Run first in a transaction: a deposed leader writes nothing.
   */
  check(name: string, token: number): Promise<void>;
}

/** Taking and renewing leases: each call is one atomic write of its own (outside transactions). */
export interface LeaseStore extends LeaseCheck {
  /**
   * Takes the lease for `holder` until now + ttlMs when it is free, expired or already `holder`'s
   * (a renewal keeps the token; a new holder gets token + 1). Undefined when another holder's lease
   * has not expired at `now`.
   */
  acquire(name: string, holder: string, now: number, ttlMs: number): Promise<Lease | undefined>;
  /** Ends `holder`'s lease now (expiresAt 0) so another can take it at once; nothing if it is not theirs. */
  release(name: string, holder: string): Promise<void>;
  get(name: string): Promise<Lease | undefined>;
}

/** The most published routes one `changesSince` answers. */
export const MAX_PUBLISHED_ROUTES_PER_LIST = 1000;

/**
 * The route tables published to remote data planes, one entry per service. A write assigns the next
 * store-wide generation (in commit order); removing a route leaves a tombstone, so a data plane
 * resuming after it still learns of the removal.
 */
export interface PublishedRouteStore {
  put(route: RouteSpec, split: TrafficSplit): Promise<PublishedRoute>;
  /** Leaves a tombstone; undefined (and no new generation) when there is no live route. */
  remove(service: string): Promise<PublishedRoute | undefined>;
  /** The live entry (undefined for a tombstone or an unknown service). */
  get(service: string): Promise<PublishedRoute | undefined>;
  /** Every live entry, by service, and the newest generation written (0 before any). */
  live(): Promise<{ readonly generation: number; readonly routes: readonly PublishedRoute[] }>;
  /** Entries (tombstones included) with generation > after, oldest first, at most `limit` (≤ MAX_PUBLISHED_ROUTES_PER_LIST). */
  changesSince(after: number, limit: number): Promise<readonly PublishedRoute[]>;
}

/** The latest report of each data plane, replaced on each report. Outside transactions. */
export interface DataPlaneReportStore {
  record(report: DataPlaneReport, receivedAt: number): Promise<void>;
  /** Reports received at or after `since`, sorted by id. */
  list(since: number): Promise<readonly StoredDataPlaneReport[]>;
}

export function fencedError(name: string, token: number, current: Lease | undefined): SluiceError {
  const now = current === undefined ? 'nobody holds it' : `it is now held by ${current.holder} (term ${current.token})`;
  return new SluiceError(ErrorCode.FENCED, `This process's term ${token} of lease "${name}" has ended: ${now}; it must not write`, {
    details: { lease: name, token, ...(current === undefined ? {} : { currentToken: current.token }) },
  });
}

export function checkLeaseArgs(name: string, holder: string, ttlMs: number): void {
  const bad = (message: string, expected: string) => new SluiceError(ErrorCode.INVALID_REQUEST, message, { problems: [{ message, expected }] });
  if (name.length === 0 || name.length > 200) throw bad(`lease name of ${name.length} characters`, '1 to 200 characters');
  if (holder.length === 0 || holder.length > 200) throw bad(`lease holder of ${holder.length} characters`, '1 to 200 characters');
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw bad(`lease ttl ${ttlMs}`, 'a positive whole number of milliseconds');
}

export function publishedLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_PUBLISHED_ROUTES_PER_LIST, Math.floor(limit)));
}

/** A PublishedRouteStore outside transactions: reads through `read`, each write in a transaction of its own. */
export function delegateRoutes(
  read: <T>(operation: string, run: (routes: PublishedRouteStore) => Promise<T>) => Promise<T>,
  write: <T>(run: (routes: PublishedRouteStore) => Promise<T>) => Promise<T>,
): PublishedRouteStore {
  return {
    put: (route, split) => write((r) => r.put(route, split)),
    remove: (service) => write((r) => r.remove(service)),
    get: (service) => read('routes.get', (r) => r.get(service)),
    live: () => read('routes.live', (r) => r.live()),
    changesSince: (after, limit) => read('routes.changesSince', (r) => r.changesSince(after, limit)),
  };
}
