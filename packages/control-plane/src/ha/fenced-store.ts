import type { Store, StoreTransaction } from '../store/store.js';

/** The methods that write, on every aggregate a transaction can touch. */
const WRITES: ReadonlySet<string> = new Set(['save', 'append', 'put', 'remove', 'saveCounts', 'addMarks', 'addUsage']);
const AGGREGATES = ['services', 'rollouts', 'segments', 'analysisTemplates', 'revisions', 'events', 'experiments', 'targets', 'flags', 'webhooks', 'routes'] as const;

/** The lease a leader's writes are fenced by: its name and the token of the current term. */
export interface Fence {
  readonly lease: string;
  readonly token: number;
}

/**
 * The store as a leader sees it during one term: every write (a transaction, or a single save) first
 * checks, in the same transaction, that the lease still carries the term's token, so a leader that was
 * paused or cut off past its lease writes nothing once another replica has taken over (FENCED).
 * Reads, and the stores outside transactions (metric samples, webhook deliveries, leases, reports),
 * pass through.
 */
export function fencedStore(inner: Store, fence: Fence): Store {
  const transaction = <T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> =>
    inner.transaction(async (tx) => {
      await tx.leases.check(fence.lease, fence.token);
      return work(tx);
    });
  const wrapped: Record<string, unknown> = {};
  for (const name of AGGREGATES) wrapped[name] = fencedAggregate(inner[name] as unknown as Record<string, unknown>, (run) => transaction((tx) => run(tx[name] as unknown as Record<string, unknown>)));
  return {
    ...(wrapped as unknown as Pick<Store, (typeof AGGREGATES)[number]>),
    kind: inner.kind,
    leases: inner.leases,
    metricSamples: inner.metricSamples,
    webhookDeliveries: inner.webhookDeliveries,
    dataPlaneReports: inner.dataPlaneReports,
    ...passThroughRest(inner),
    transaction,
    close: () => inner.close(),
  } as Store;
}

/** Members added to Store later (tokens, …) that are not part of transactions pass through as they are. */
function passThroughRest(inner: Store): Partial<Store> {
  const known = new Set<string>([...AGGREGATES, 'kind', 'leases', 'metricSamples', 'webhookDeliveries', 'dataPlaneReports', 'transaction', 'close']);
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(inner)) if (!known.has(key)) rest[key] = (inner as unknown as Record<string, unknown>)[key];
  return rest as Partial<Store>;
}

function fencedAggregate(reads: Record<string, unknown>, write: <T>(run: (aggregate: Record<string, unknown>) => Promise<T>) => Promise<T>): unknown {
  return new Proxy(reads, {
    get(target, property) {
      const value = target[property as string];
      if (typeof property !== 'string' || typeof value !== 'function') return value;
      if (!WRITES.has(property)) return (value as (...args: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => write((aggregate) => (aggregate[property] as (...a: unknown[]) => Promise<unknown>)(...args));
    },
  });
}
