import { ErrorCode, SluiceError } from '@sluice/domain';
import type { MetricProvider, MetricQuery, MetricResult, Reachability } from '../metric-provider.js';
import { resolveTemplate } from '../metric-provider.js';
import { adapterFailed, quote, sendPrometheus } from './prometheus-http.js';
import { interpretReply } from './prometheus-result.js';

export interface PrometheusMetricProviderOptions {
  /** The Prometheus server, e.g. "http://prometheus:9090" (a path prefix such as "/prometheus" is kept). */
  readonly url: string;
  /** Per request, covering connect, headers and body. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Sent with every request (e.g. an Authorization header). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The largest response read; a bigger one is an error. Default 4 MiB. */
  readonly maxBodyBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
const DEFAULT_STEP = '1s';

/**
 * Measures with PromQL through the Prometheus HTTP API. `query.query` is PromQL with `{{name}}`
 * placeholders from `query.args`; `{{window}}` defaults to the window's length as a PromQL duration
 * ("60s"). By default an instant query at the window's end (`/api/v1/query`, time = toMs); with
 * `args.range === "true"` a range query over the window (`/api/v1/query_range`, step = args.step,
 * default "1s"). How scalars, vectors and matrices become values: see `interpretReply`.
 */
export class PrometheusMetricProvider implements MetricProvider {
  readonly kind = 'prometheus';
  readonly #base: URL;
  readonly #timeoutMs: number;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #maxBodyBytes: number;

  constructor(options: PrometheusMetricProviderOptions) {
    this.#base = parseBaseUrl(options.url);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#headers = options.headers ?? {};
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  async measure(query: MetricQuery, signal?: AbortSignal): Promise<MetricResult> {
    const args = { window: promDuration(query.toMs - query.fromMs), ...query.args };
    const { text, missing } = resolveTemplate(query.query.trim(), args);
    const range = query.args['range'] === 'true';
    const where = `prometheus: ${range ? 'range query' : 'query'} \`${text}\``;
    if (missing.length > 0) {
      throw adapterFailed(`${where}: unknown placeholder(s) ${missing.map((m) => `{{${m}}}`).join(', ')}; expected them in the query's args`);
    }
    const form = new URLSearchParams({ query: text });
    if (range) {
      form.set('start', seconds(query.fromMs));
      form.set('end', seconds(query.toMs));
      form.set('step', query.args['step'] ?? DEFAULT_STEP);
    } else {
      form.set('time', seconds(query.toMs));
    }
    const url = this.#endpoint(range ? 'api/v1/query_range' : 'api/v1/query');
    const reply = await sendPrometheus({ url, form, headers: this.#headers, timeoutMs: this.#timeoutMs, maxBodyBytes: this.#maxBodyBytes, where }, signal);
    return interpretReply(reply, text, where);
  }

  /** GETs /api/v1/status/buildinfo: ok with the server's version, or not ok with the cause. */
  async reachable(signal?: AbortSignal): Promise<Reachability> {
    const url = this.#endpoint('api/v1/status/buildinfo');
    const where = `prometheus: GET ${url.href}`;
    try {
      const reply = await sendPrometheus({ url, headers: this.#headers, timeoutMs: this.#timeoutMs, maxBodyBytes: 64 * 1024, where }, signal);
      if (reply.status < 200 || reply.status > 299) {
        return { ok: false, detail: `${where} answered HTTP ${reply.status} ${reply.statusText}; body starts ${quote(reply.body)}` };
      }
      return { ok: true, detail: `prometheus ${versionOf(reply.body)} at ${this.#base.href}` };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  #endpoint(path: string): URL {
    return new URL(path, this.#base);
  }
}

/** 60_000 ms → "60s"; at least "1s" (PromQL durations are whole units; ms windows round up). */
export function promDuration(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}

function seconds(ms: number): string {
  return String(ms / 1000);
}

function versionOf(body: string): string {
  try {
    const data = (JSON.parse(body) as { data?: { version?: unknown } } | null)?.data;
    return typeof data?.version === 'string' ? `version ${data.version}` : '(version unknown)';
  } catch {
    return '(version unknown)';
  }
}

function parseBaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new SluiceError(ErrorCode.ADAPTER_FAILED, `prometheus: the url ${quote(text)} is not a valid URL; expected e.g. "http://prometheus:9090"`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SluiceError(ErrorCode.ADAPTER_FAILED, `prometheus: the url ${quote(text)} must be http or https, found ${url.protocol}`);
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  url.search = '';
  url.hash = '';
  return url;
}
