import type { ObservedSplit, RouteSpec, TrafficSplit } from './route-table.js';

/**
 * The wire contract between the control plane and remote data planes (`sluice proxy serve`): the
 * route tables it streams (GET /api/v1/data-plane/stream) and what each data plane reports it serves
 * (POST /api/v1/data-plane/reports). Both sides import it from here: the proxy may not import the
 * control plane.
 */

/** One service's route table as published: a full snapshot, never a delta. */
export interface PublishedRoute {
  readonly service: string;
  /** Store-wide, strictly increasing: the generation of the write that produced this entry. */
  readonly generation: number;
  /** Absent on a tombstone (the route was removed; data planes stop serving it). */
  readonly route?: RouteSpec;
  readonly split?: TrafficSplit;
  readonly removed?: boolean;
}

/** What one data plane says it serves, sent every few seconds and after each change it applied. */
export interface DataPlaneReport {
  /** Stable name of the data plane (`sluice proxy serve --id`), 1–100 printable characters. */
  readonly id: string;
  /** The newest generation it has applied (every entry up to it). */
  readonly generation: number;
  /** Per service: the split it serves, with the generation of that service's entry and its real address. */
  readonly services: Readonly<Record<string, ObservedSplit>>;
  /** Per service, per backend endpoint URL: requests in flight (for draining instances). */
  readonly inFlight?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** A report as stored, with when it arrived (the receiving replica's clock). */
export interface StoredDataPlaneReport extends DataPlaneReport {
  readonly receivedAt: number;
}
