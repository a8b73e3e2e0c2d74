import type { MetricCheck } from '../analysis/analysis-spec.js';

/**
 * Steps that gather evidence or a person's decision instead of moving traffic: checklist, approval and
 * load. (analysis is in step.ts, beside the AnalysisRef it extends.)
 */

/** Something a checklist item does before it is verified. */
export type Operation =
  /** Runs without a shell (split on whitespace), in the control plane's working directory. Exit 0 is success. */
  | { readonly kind: 'command'; readonly command: string; readonly timeoutMs: number }
  /** One HTTP request; success is a status in `expectStatus`. */
  | {
      readonly kind: 'http';
      readonly method: string;
      readonly url: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly body?: string;
      readonly expectStatus: readonly number[];
      readonly timeoutMs: number;
    }
  /** Done by a person, who confirms with `sluice approve ROLLOUT --item NAME`. */
  | { readonly kind: 'instruction'; readonly text: string };

/** A check repeated every interval until it passes (or fails), for at most `withinMs`. */
export interface Verification extends MetricCheck {
  readonly intervalMs: number;
  readonly withinMs: number;
}

export const DEFAULT_VERIFICATION_INTERVAL_MS = 5_000;
export const DEFAULT_VERIFICATION_WITHIN_MS = 60_000;
export const DEFAULT_OPERATION_TIMEOUT_MS = 30_000;

export interface ChecklistItem {
  readonly name: string;
  readonly operation?: Operation;
  /** Must pass after the operation for the item to pass. */
  readonly verification?: Verification;
  /** Run after traffic is back on stable if the rollout is aborted, for items whose operation ran. */
  readonly rollbackVerification?: Verification;
}

/** Passes when every item, in order, has done its operation and passed its verification. */
export interface ChecklistStep {
  readonly kind: 'checklist';
  readonly items: readonly ChecklistItem[];
}

/** Waits for `sluice approve` (recording who, when and why); `sluice reject` aborts the rollout. */
export interface ApprovalStep {
  readonly kind: 'approval';
  /** Shown to the approver. */
  readonly message?: string;
  /** Actors allowed to approve; anyone when absent. */
  readonly approvers?: readonly string[];
  /**
   * false: the rollout's author (`createdBy`) may not approve (another person must). Absent: the
   * server's default (`sluice server --no-self-approval` forbids it; allowed otherwise).
   */
  readonly allowAuthor?: boolean;
}

/** One kind of request in a load step's mix. */
export interface LoadRequest {
  readonly method: string;
  /** Origin-form path with query, e.g. "/checkout?item=1". */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Relative share of the mix (default 1). */
  readonly weight: number;
}

/**
 * Sends `rps` requests per second of the mix to the canary's ready instances for `durationMs`. The
 * generator stops, and the step fails, as soon as `stopWhen` holds over its running totals (variables
 * `requests`, `errors`, `errorRate`, `p50Ms`, `p99Ms`, `timeouts`).
 */
export interface LoadStep {
  readonly kind: 'load';
  readonly rps: number;
  readonly durationMs: number;
  readonly requests: readonly LoadRequest[];
  readonly stopWhen?: string;
  /** Per request. */
  readonly timeoutMs: number;
  /** Concurrent requests at most; more wanted is counted as dropped, never queued without bound. */
  readonly maxInFlight: number;
}

export const LOAD_LIMITS = Object.freeze({ maxRps: 2_000, maxDurationMs: 30 * 60_000, maxInFlight: 1_000, maxRequests: 32 });
export const DEFAULT_LOAD_TIMEOUT_MS = 5_000;
export const DEFAULT_LOAD_MAX_IN_FLIGHT = 256;
