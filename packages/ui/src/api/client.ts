import { ApiCalls } from '@sluice/cli/api-calls';
import type { FlagRevision, FlagView } from '@sluice/cli/api-types';
import { errorFromBody, toApiError } from './api-error';

/** Where the release center's client sends its calls and as whom. */
export interface ApiClientOptions {
  /** Where /api/v1 lives; '' = the origin that served the page (the control plane). */
  readonly baseUrl?: string;
  /** Sent as `x-sluice-actor`, recorded with every change the request makes. */
  readonly actor: () => string;
  readonly timeoutMs?: number;
}

export type { FlagRevision, FlagView };

/** The browser's side of a call: the actor header, the timeout, and every failure as an ApiError. */
class BrowserTransport {
  readonly base: string;
  readonly #actor: () => string;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.base = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.#actor = options.actor;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  async send<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const what = `${method} /api/v1${path.replace(/\?.*$/, '')}`;
    let res: Response;
    let text: string;
    try {
      const headers: Record<string, string> = { accept: 'application/json', 'x-sluice-actor': this.#actor() };
      if (body !== undefined) headers['content-type'] = 'application/json';
      res = await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers,
        signal: AbortSignal.timeout(this.#timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      text = await res.text();
    } catch (error) {
      throw toApiError(error, what);
    }
    if (!res.ok) throw errorFromBody(res.status, text, what);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw errorFromBody(res.status, text, what);
    }
  }
}

/**
 * The release center's client: every call of docs/api.md exactly as the CLI makes it (ApiCalls from
 * @sluice/cli/api-calls — one definition of paths, bodies and answers for both clients) over the
 * browser's fetch, plus the stream URLs only a browser opens.
 */
export class ApiClient extends ApiCalls {
  readonly #http: BrowserTransport;

  constructor(options: ApiClientOptions) {
    const http = new BrowserTransport(options);
    super((method, path, body) => http.send(method, path, body));
    this.#http = http;
  }

  /** The server-sent events of one environment's flag definitions (no token: as open as the rest of /api/v1). */
  flagStreamUrl(environment: string): string {
    return `${this.#http.base}/api/v1/flags/stream?environment=${encodeURIComponent(environment)}`;
  }

  /** The server-sent events of every stored event after `after` (GET /api/v1/events/stream). */
  eventStreamUrl(after?: number): string {
    return `${this.#http.base}/api/v1/events/stream${after === undefined ? '' : `?after=${after}`}`;
  }
}
