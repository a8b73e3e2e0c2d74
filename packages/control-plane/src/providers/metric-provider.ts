/**
 * Where a measurement comes from. One interface for every source — the built-in proxy's windows,
 * Prometheus, an HTTP endpoint, a SQL query, a command — so judges and gates never know which.
 *
 * A provider answers a query over a time window with a number (or a list of numbers), or says there
 * was no data; anything else is an error (a SluiceError naming the provider, the query and the cause),
 * which a gate counts as an error and never as a bad canary.
 */
export interface MetricProvider {
  /** Registry key, e.g. "builtin", "prometheus", "web", "sql", "command". */
  readonly kind: string;
  /** Runs one query. Rejects with a SluiceError (ADAPTER_FAILED or UNREACHABLE) on failure; honours `signal`. */
  measure(query: MetricQuery, signal?: AbortSignal): Promise<MetricResult>;
  /** Whether the source answers at all, with a short detail (for `sluice status` and the API). */
  reachable(signal?: AbortSignal): Promise<Reachability>;
}

export interface MetricQuery {
  /**
   * What to ask, in the provider's own language: PromQL, a URL, a SQL statement, a command line, or for
   * the built-in provider a metric name ("requests", "errors", "error-rate", "latency-p99" …).
   * `{{name}}` placeholders are replaced from `args` before it runs.
   */
  readonly query: string;
  /** Template arguments: service, version, window (e.g. "60s") and any the template declares. */
  readonly args: Readonly<Record<string, string>>;
  /** The window measured: [fromMs, toMs) in ms since the epoch. */
  readonly fromMs: number;
  readonly toMs: number;
}

export type MetricResult =
  | {
      readonly kind: 'value';
      /** The measurement: one number, or several (a vector, a series). */
      readonly value: number | readonly number[];
      /** Sample size behind the value, when the source knows it (requests counted, points in a series). */
      readonly sampleSize?: number;
      /** The query as it ran (placeholders replaced), for the decision log. */
      readonly resolvedQuery: string;
    }
  | {
      readonly kind: 'no-data';
      /** Why: no series matched, an empty result, no traffic in the window. */
      readonly reason: string;
      readonly resolvedQuery: string;
    };

export interface Reachability {
  readonly ok: boolean;
  readonly detail: string;
}

/** Replaces `{{name}}` placeholders from `args`; an unknown name is left as is and reported by the caller. */
export function resolveTemplate(text: string, args: Readonly<Record<string, string>>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const out = text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g, (whole, name: string) => {
    const value = args[name];
    if (value === undefined) {
      missing.push(name);
      return whole;
    }
    return value;
  });
  return { text: out, missing };
}
