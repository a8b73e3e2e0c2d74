import type { ObservedSplit, RouteSpec, TrafficSplit, UpstreamUse } from '@sluice/domain';
import type { ProxyObservation } from '../observation.js';

/** Commands the primary sends a worker. Every command carries an id the worker answers with. */
export type WorkerCommand =
  | { readonly type: 'upsert'; readonly id: number; readonly route: RouteSpec; readonly initial: TrafficSplit }
  | { readonly type: 'setSplit'; readonly id: number; readonly service: string; readonly split: TrafficSplit }
  | { readonly type: 'remove'; readonly id: number; readonly service: string }
  | { readonly type: 'observe'; readonly id: number; readonly service: string }
  | { readonly type: 'use'; readonly id: number; readonly service: string; readonly endpoint: string }
  /** Stop accepting, finish in-flight requests, then exit. */
  | { readonly type: 'drain'; readonly id: number };

/** What a worker sends back. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly id: number; readonly observed?: ObservedSplit; readonly use?: UpstreamUse }
  | { readonly type: 'failed'; readonly id: number; readonly code: string; readonly message: string }
  /** Observations batched (every ~100 ms) so metrics cost one IPC message per batch, not per request. */
  | { readonly type: 'observations'; readonly batch: readonly ProxyObservation[] };

export function isWorkerReply(message: unknown): message is WorkerReply {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
}
