import type { DataPlaneReport, PublishedRoute, StoredDataPlaneReport } from '@sluice/domain';
import { checkLeaseArgs, fencedError, publishedLimit, type DataPlaneReportStore, type Lease, type LeaseCheck, type LeaseStore, type PublishedRouteStore } from '../coordination.js';
import type { TransactionLease } from '../transaction-scope.js';

/** Leases and published routes: part of a memory snapshot, so they commit with the transaction. */
export interface MemoryCoordination {
  readonly leases: Map<string, Lease>;
  /** By service; tombstones included. */
  readonly routes: Map<string, string>;
  generation: number;
}

export function emptyCoordination(): MemoryCoordination {
  return { leases: new Map(), routes: new Map(), generation: 0 };
}

export function copyCoordination(c: MemoryCoordination): MemoryCoordination {
  return { leases: new Map(c.leases), routes: new Map(c.routes), generation: c.generation };
}

export function memoryLeaseCheck(state: MemoryCoordination, lease: TransactionLease): LeaseCheck {
  return {
    check: async (name, token) => {
      lease.check('leases.check');
      const current = state.leases.get(name);
      if (current?.token !== token) throw fencedError(name, token, current);
    },
  };
}

/** Acquire/release outside transactions; `state()` is the committed state, `write` runs a one-off transaction. */
export function memoryLeaseStore(check: (operation: string) => void, write: <T>(work: (state: MemoryCoordination) => T) => Promise<T>): LeaseStore {
  return {
    check: (name, token) =>
      write((state) => {
        const current = state.leases.get(name);
        if (current?.token !== token) throw fencedError(name, token, current);
      }),
    acquire: async (name, holder, now, ttlMs) => {
      check('leases.acquire');
      checkLeaseArgs(name, holder, ttlMs);
      return write((state) => {
        const current = state.leases.get(name);
        if (current !== undefined && current.holder !== holder && current.expiresAt > now) return undefined;
        const token = current === undefined ? 1 : current.holder === holder && current.expiresAt > now ? current.token : current.token + 1;
        const next: Lease = { name, holder, token, expiresAt: now + ttlMs };
        state.leases.set(name, next);
        return { ...next };
      });
    },
    release: (name, holder) => {
      check('leases.release');
      return write((state) => {
        const current = state.leases.get(name);
        if (current?.holder === holder) state.leases.set(name, { ...current, expiresAt: 0 });
      });
    },
    get: async (name) => {
      check('leases.get');
      return write((state) => {
        const current = state.leases.get(name);
        return current === undefined ? undefined : { ...current };
      });
    },
  };
}

const parse = (json: string) => JSON.parse(json) as PublishedRoute;

export function memoryPublishedRoutes(state: MemoryCoordination, lease: TransactionLease): PublishedRouteStore {
  const sorted = () => [...state.routes.values()].map(parse);
  return {
    put: async (route, split) => {
      lease.check('routes.put');
      state.generation += 1;
      const entry: PublishedRoute = { service: route.service, generation: state.generation, route, split };
      state.routes.set(route.service, JSON.stringify(entry));
      return parse(JSON.stringify(entry));
    },
    remove: async (service) => {
      lease.check('routes.remove');
      const current = state.routes.get(service);
      if (current === undefined || parse(current).removed === true) return undefined;
      state.generation += 1;
      const entry: PublishedRoute = { service, generation: state.generation, removed: true };
      state.routes.set(service, JSON.stringify(entry));
      return entry;
    },
    get: async (service) => {
      lease.check('routes.get');
      const current = state.routes.get(service);
      return current === undefined || parse(current).removed === true ? undefined : parse(current);
    },
    live: async () => {
      lease.check('routes.live');
      const routes = sorted().filter((r) => r.removed !== true).sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
      return { generation: state.generation, routes };
    },
    changesSince: async (after, limit) => {
      lease.check('routes.changesSince');
      return sorted().filter((r) => r.generation > after).sort((a, b) => a.generation - b.generation).slice(0, publishedLimit(limit));
    },
  };
}

export function memoryDataPlaneReports(check: (operation: string) => void): DataPlaneReportStore {
  const reports = new Map<string, string>();
  return {
    record: async (report: DataPlaneReport, receivedAt: number) => {
      check('dataPlaneReports.record');
      reports.set(report.id, JSON.stringify({ ...report, receivedAt }));
    },
    list: async (since) => {
      check('dataPlaneReports.list');
      const all = [...reports.values()].map((json) => JSON.parse(json) as StoredDataPlaneReport);
      return all.filter((r) => r.receivedAt >= since).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
  };
}
