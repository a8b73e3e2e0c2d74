import { ErrorCode, SluiceError } from '@sluice/domain';
import type { MetricProvider, MetricQuery, MetricResult, Reachability } from '../metric-provider.js';
import { resolveTemplate } from '../metric-provider.js';

/** What a scripted query answers: a value, no data (with the reason), or a failure (with the cause). */
export type ScriptedAnswer = number | readonly number[] | { readonly noData: string } | { readonly error: string };

/**
 * A provider answering from a table of resolved queries, for tests of judges, gates and steps that
 * need measurements without a real source. `up: false` makes it behave like a source that is down.
 */
export class MemoryMetricProvider implements MetricProvider {
  readonly kind = 'memory';
  readonly #answers = new Map<string, ScriptedAnswer>();
  /** Resolved queries, in the order they were asked. */
  readonly asked: string[] = [];
  up: boolean;

  constructor(answers: Readonly<Record<string, ScriptedAnswer>> = {}, up = true) {
    for (const [query, answer] of Object.entries(answers)) this.#answers.set(query, answer);
    this.up = up;
  }

  /** Sets (or replaces) what `query` answers from now on. */
  set(query: string, answer: ScriptedAnswer): void {
    this.#answers.set(query, answer);
  }

  async measure(query: MetricQuery, signal?: AbortSignal): Promise<MetricResult> {
    signal?.throwIfAborted();
    const { text: resolvedQuery, missing } = resolveTemplate(query.query, query.args);
    if (missing.length > 0) throw new SluiceError(ErrorCode.ADAPTER_FAILED, `memory: query "${query.query}" uses {{${missing[0]!}}}, which no argument sets`);
    if (!this.up) throw new SluiceError(ErrorCode.UNREACHABLE, `memory: cannot run "${resolvedQuery}": the source is down`);
    this.asked.push(resolvedQuery);
    const answer = this.#answers.get(resolvedQuery);
    if (answer === undefined) throw new SluiceError(ErrorCode.ADAPTER_FAILED, `memory: no answer scripted for query "${resolvedQuery}"`);
    if (isValue(answer)) return { kind: 'value', value: answer, resolvedQuery };
    if ('noData' in answer) return { kind: 'no-data', reason: answer.noData, resolvedQuery };
    throw new SluiceError(ErrorCode.ADAPTER_FAILED, `memory: query "${resolvedQuery}" failed: ${answer.error}`);
  }

  async reachable(): Promise<Reachability> {
    return this.up ? { ok: true, detail: 'memory: scripted answers' } : { ok: false, detail: 'memory: the source is down' };
  }
}

function isValue(answer: ScriptedAnswer): answer is number | readonly number[] {
  return typeof answer === 'number' || Array.isArray(answer);
}
