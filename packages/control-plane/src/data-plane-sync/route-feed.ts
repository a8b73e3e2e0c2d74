import type { DataPlaneReport, PublishedRoute, StoredDataPlaneReport } from '@sluice/domain';

/**
 * Remote data planes (`sluice proxy serve`, built-in proxies in other processes or on other hosts)
 * serve route tables the control plane publishes. The leader's PublishedRouter writes each service's
 * table to the store with a store-wide, increasing generation; every control-plane replica streams
 * them to the data planes connected to it (GET /api/v1/data-plane/stream) and records what each data
 * plane reports it serves (POST /api/v1/data-plane/reports), so the leader can wait for convergence.
 */

/** One service's route table as published (defined in the domain so data planes share it). */
export type { PublishedRoute } from '@sluice/domain';

/** What a control-plane replica streams from: the store's published tables. */
export interface RouteFeed {
  /** Every live (not removed) route and the newest generation written (0 before any). */
  snapshot(): Promise<{ readonly generation: number; readonly routes: readonly PublishedRoute[] }>;
  /** Entries (tombstones included) with generation > after, oldest first, at most `limit`. */
  changesSince(after: number, limit: number): Promise<readonly PublishedRoute[]>;
  /** Called whenever a new generation may exist (the replica polls the store); returns unsubscribe. */
  subscribe(listener: () => void): () => void;
}

/** What a data plane reports it serves (defined in the domain so data planes share it). */
export type { DataPlaneReport, StoredDataPlaneReport } from '@sluice/domain';

/** Where replicas record reports and where the leader reads them. */
export interface DataPlaneReports {
  record(report: DataPlaneReport, receivedAt: number): Promise<void>;
  /** Reports received at or after `since`, sorted by id. */
  list(since: number): Promise<readonly StoredDataPlaneReport[]>;
}
