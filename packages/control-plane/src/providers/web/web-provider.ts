import { ErrorCode, SluiceError } from '@sluice/domain';
import type { MetricProvider, MetricQuery, MetricResult, Reachability } from '../metric-provider.js';
import { resolveTemplate } from '../metric-provider.js';
import { parseJsonPath, readJsonPath } from './json-path.js';
import { readLimited } from '../http-body.js';

export interface WebMetricProviderOptions {
  /**
   * Where the source lives, e.g. "http://metrics:8080". Query URLs may be relative to it
   * ("/api/error-rate?service={{service}}"); absolute query URLs ignore it.
   */
  readonly baseUrl?: string;
  /**
   * A URL that answers 2xx when the source is up (a health endpoint), absolute or relative to `baseUrl`.
   * `reachable()` GETs it, so a source that is down reports not ok instead of being assumed fine.
   * Defaults to `baseUrl`; one of the two is required.
   */
  readonly reachabilityUrl?: string;
  /** Per request, covering connect, headers and body. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Sent with every request (e.g. an Authorization header). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The largest body read; a bigger one is an error. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Measures by GETting a URL that answers JSON. `query.query` is the URL, absolute or relative to
 * `baseUrl`, with `{{name}}` placeholders filled from `query.args` (URL-encoded, so a value cannot add
 * query parameters or path segments); `query.args.jsonPath` (default `$`) picks the value: a number, a numeric string or
 * an array of those. A missing or null value is "no-data".
 */
export class WebMetricProvider implements MetricProvider {
  readonly kind = 'web';
  readonly #baseUrl: string | undefined;
  readonly #reachabilityUrl: string;
  readonly #timeoutMs: number;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #maxBodyBytes: number;

  constructor(options: WebMetricProviderOptions) {
    this.#baseUrl = options.baseUrl;
    const reachability = options.reachabilityUrl ?? options.baseUrl;
    if (reachability === undefined) throw new TypeError('web provider: give a baseUrl or a reachabilityUrl');
    this.#reachabilityUrl = new URL(reachability, options.baseUrl).href;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#headers = options.headers ?? {};
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  async measure(query: MetricQuery, signal?: AbortSignal): Promise<MetricResult> {
    const encoded = Object.fromEntries(Object.entries(query.args).map(([name, value]) => [name, encodeURIComponent(value)]));
    const { text, missing } = resolveTemplate(query.query.trim(), encoded);
    const jsonPath = query.args['jsonPath'] ?? '$';
    let where = `GET ${text} (path ${jsonPath})`;
    if (missing.length > 0) {
      throw failed(`${where}: unknown placeholder(s) ${missing.map((m) => `{{${m}}}`).join(', ')}`);
    }
    const url = parseHttpUrl(text, this.#baseUrl, where);
    where = `GET ${url.href} (path ${jsonPath})`;
    let segments: ReturnType<typeof parseJsonPath>;
    try {
      segments = parseJsonPath(jsonPath);
    } catch (error) {
      throw failed(`${where}: ${(error as Error).message}`, error);
    }
    const body = await this.#fetchBody(url, where, signal);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      throw failed(`${where}: the body is not valid JSON (${(error as Error).message}); it starts ${quote(body)}`, error);
    }
    return interpret(readJsonPath(json, segments), url.href, where);
  }

  async reachable(signal?: AbortSignal): Promise<Reachability> {
    const requestSignal = combine(this.#timeoutMs, signal);
    try {
      const response = await fetch(this.#reachabilityUrl, { headers: this.#headers, signal: requestSignal.signal, redirect: 'follow' });
      await response.body?.cancel().catch(() => undefined);
      const detail = `GET ${this.#reachabilityUrl} answered HTTP ${response.status}`;
      return { ok: response.ok, detail };
    } catch (error) {
      return { ok: false, detail: `GET ${this.#reachabilityUrl}: ${describeFetchError(error, requestSignal, this.#timeoutMs)}` };
    }
  }

  async #fetchBody(url: URL, where: string, signal: AbortSignal | undefined): Promise<string> {
    const requestSignal = combine(this.#timeoutMs, signal);
    try {
      if (requestSignal.signal.aborted) throw requestSignal.signal.reason;
      const response = await fetch(url, { headers: { accept: 'application/json', ...this.#headers }, signal: requestSignal.signal });
      if (!response.ok) {
        const preview = await readLimited(response, 500).catch(() => ({ text: '', truncated: false }));
        throw failed(`${where}: HTTP ${response.status} ${response.statusText}${preview.text ? `; body starts ${quote(preview.text)}` : ''}`);
      }
      const declared = Number(response.headers.get('content-length') ?? Number.NaN);
      if (Number.isFinite(declared) && declared > this.#maxBodyBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw failed(`${where}: the body is ${declared} bytes, over the ${this.#maxBodyBytes}-byte limit`);
      }
      const { text, truncated } = await readLimited(response, this.#maxBodyBytes);
      if (truncated) throw failed(`${where}: the body is over the ${this.#maxBodyBytes}-byte limit`);
      return text;
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      const cause = describeFetchError(error, requestSignal, this.#timeoutMs);
      const code = isConnectError(error) ? ErrorCode.UNREACHABLE : ErrorCode.ADAPTER_FAILED;
      throw new SluiceError(code, `web: ${where}: ${cause}`, { cause: error });
    }
  }
}

interface CombinedSignal {
  readonly signal: AbortSignal;
  readonly caller: AbortSignal | undefined;
  readonly timeout: AbortSignal;
}

function combine(timeoutMs: number, caller: AbortSignal | undefined): CombinedSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: caller ? AbortSignal.any([caller, timeout]) : timeout, caller, timeout };
}


function interpret(read: ReturnType<typeof readJsonPath>, resolvedQuery: string, where: string): MetricResult {
  if (!read.found) return { kind: 'no-data', reason: `the answer has nothing at ${read.missingAt}`, resolvedQuery };
  const { value } = read;
  if (value === null) return { kind: 'no-data', reason: 'the value at the path is null', resolvedQuery };
  const single = toNumber(value);
  if (single !== undefined) return { kind: 'value', value: single, resolvedQuery };
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: 'no-data', reason: 'the value at the path is an empty array', resolvedQuery };
    const numbers = value.map(toNumber);
    const bad = numbers.findIndex((n) => n === undefined);
    if (bad === -1) return { kind: 'value', value: numbers as number[], sampleSize: numbers.length, resolvedQuery };
    throw failed(`${where}: element [${bad}] of the array is ${describe(value[bad])}, not a number`);
  }
  throw failed(`${where}: expected a number, a numeric string or an array of numbers, found ${describe(value)}`);
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && NUMERIC.test(value.trim())) {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object ${quote(JSON.stringify(value))}`;
  if (typeof value === 'string') return `the string ${quote(JSON.stringify(value))}`;
  return `${typeof value} ${String(value)}`;
}

function parseHttpUrl(text: string, base: string | undefined, where: string): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch (error) {
    throw failed(`${where}: not a valid URL`, error);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw failed(`${where}: only http and https URLs are supported, found ${url.protocol}`);
  return url;
}

function isConnectError(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  const code = cause?.code;
  return typeof code === 'string' && CONNECT_ERRORS.has(code);
}

function describeFetchError(error: unknown, signals: CombinedSignal, timeoutMs: number): string {
  if (signals.caller?.aborted) return 'aborted by the caller';
  if (signals.timeout.aborted) return `timed out after ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const causeText = cause ? ` (${[cause.code, cause.message].filter((p) => typeof p === 'string').join(': ')})` : '';
  return `${error instanceof Error ? error.message : String(error)}${causeText}`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

function failed(message: string, cause?: unknown): SluiceError {
  return new SluiceError(ErrorCode.ADAPTER_FAILED, `web: ${message}`, cause === undefined ? {} : { cause });
}
