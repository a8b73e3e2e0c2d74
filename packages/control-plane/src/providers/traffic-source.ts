/**
 * What the built-in provider reads: the proxy's 1-second traffic windows, narrowed to the one method
 * it needs (metrics/traffic-windows.ts implements it; composition passes it in), so the provider
 * depends on this shape, not on the metrics feature.
 */
export interface TrafficSource {
  window(query: { readonly service: string; readonly version?: string | undefined; readonly fromMs: number; readonly toMs: number; readonly aboveMs?: number | undefined }): TrafficTotals;
}

export interface TrafficTotals {
  readonly requests: number;
  /** Requests slower than the query's aboveMs, when it asked. */
  readonly above?: number;
  /** Requests the proxy itself failed (refused, reset, timed out …), whatever status the client got. */
  readonly errors: number;
  /** Requests by the status class the client got ("2xx", "5xx" …): an upstream's own 500 is here, not in `errors`. */
  readonly byClass: Readonly<Record<string, number>>;
  readonly latencyMs: {
    readonly count: number;
    readonly p50: number | null;
    readonly p90: number | null;
    readonly p99: number | null;
    readonly mean: number | null;
  };
}
