import { ErrorCode, SluiceError } from '@sluice/domain';
import type { MetricProvider, MetricQuery, MetricResult, Reachability } from './metric-provider.js';

export interface ResilienceOptions {
  /** Longest one attempt may take. Default 10 s. */
  readonly timeoutMs?: number;
  /** Attempts after the first when one fails (no-data is an answer, not a failure). Default 2. */
  readonly retries?: number;
  /** Wait before the first retry; it doubles for each next one. Default 500 ms. */
  readonly backoffMs?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const realSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

/**
 * Any provider with a timeout per attempt and retries with exponential backoff. The final error
 * names the provider, the query, the attempts and the last cause; an abort from the caller stops
 * at once and is not retried.
 */
export function resilient(provider: MetricProvider, options: ResilienceOptions = {}): MetricProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 500;
  const sleep = options.sleep ?? realSleep;
  return {
    kind: provider.kind,
    reachable: (signal?: AbortSignal): Promise<Reachability> => provider.reachable(signal),
    async measure(query: MetricQuery, signal?: AbortSignal): Promise<MetricResult> {
      let last: unknown;
      for (let attempt = 0; attempt <= retries; attempt++) {
        signal?.throwIfAborted();
        if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1), signal);
        const timeout = new AbortController();
        const timer = setTimeout(() => timeout.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        try {
          return await provider.measure(query, signal === undefined ? timeout.signal : AbortSignal.any([signal, timeout.signal]));
        } catch (error) {
          if (signal?.aborted === true) throw error;
          last = timeout.signal.aborted ? timeout.signal.reason : error;
        } finally {
          clearTimeout(timer);
        }
      }
      const cause = last instanceof Error ? last.message : String(last);
      const code = last instanceof SluiceError ? last.code : ErrorCode.ADAPTER_FAILED;
      throw new SluiceError(code, `${provider.kind}: query "${query.query}" failed after ${retries + 1} attempts: ${cause}`, {
        cause: last,
        details: { provider: provider.kind, query: query.query, attempts: retries + 1 },
      });
    },
  };
}
