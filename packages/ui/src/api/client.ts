import type { FlagEnvironmentChange, FlagRevision, FlagView, ItemList } from '@sluice/cli/api-types';
import { errorFromBody, toApiError } from './api-error';

/**
 * A typed client of docs/api.md for the release center. The shapes are the CLI's
 * (packages/cli/src/api-types.ts, imported as types only): one definition for both clients.
 */
export interface ApiClientOptions {
  /** Where /api/v1 lives; '' = the origin that served the page (the control plane). */
  readonly baseUrl?: string;
  /** Sent as `x-sluice-actor`, recorded with every change the request makes. */
  readonly actor: () => string;
  readonly timeoutMs?: number;
}

export type { FlagRevision, FlagView };

export class ApiClient {
  readonly #base: string;
  readonly #actor: () => string;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.#base = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.#actor = options.actor;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  async listFlags(): Promise<readonly FlagView[]> {
    return (await this.#call<ItemList<FlagView>>('GET', '/flags')).items;
  }

  getFlag(name: string): Promise<FlagView> {
    return this.#call('GET', `/flags/${encodeURIComponent(name)}`);
  }

  /** The flag's versions, newest first. */
  async flagHistory(name: string, limit = 100): Promise<readonly FlagRevision[]> {
    return (await this.#call<ItemList<FlagRevision>>('GET', `/flags/${encodeURIComponent(name)}/history?limit=${limit}`)).items;
  }

  /** On/off, default rollout or variant weights in one environment: a new version. */
  changeFlag(name: string, environment: string, change: FlagEnvironmentChange): Promise<FlagView> {
    return this.#call('POST', `/flags/${encodeURIComponent(name)}/environments/${encodeURIComponent(environment)}`, change);
  }

  /** The kill switch: the flag off in every environment, one new version. */
  killFlag(name: string, reason?: string): Promise<FlagView> {
    return this.#call('POST', `/flags/${encodeURIComponent(name)}/kill`, reason === undefined ? {} : { reason });
  }

  /** Makes the settings of `version` current again, as a new version. */
  restoreFlag(name: string, version: number, reason?: string): Promise<FlagView> {
    return this.#call('POST', `/flags/${encodeURIComponent(name)}/restore`, { version, ...(reason === undefined ? {} : { reason }) });
  }

  /** The server-sent events of one environment's flag definitions (no token: as open as the rest of /api/v1). */
  flagStreamUrl(environment: string): string {
    return `${this.#base}/api/v1/flags/stream?environment=${encodeURIComponent(environment)}`;
  }

  /**
   * Any call of /api/v1 (`path` starts with "/", may carry a query): the answer parsed as JSON, or an
   * ApiError. Feature folders write their typed calls on top of it (e.g. rollout/rollout-api.ts).
   */
  request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return this.#call<T>(method, path, body);
  }

  /** The server-sent events of every stored event after `after` (GET /api/v1/events/stream). */
  eventStreamUrl(after?: number): string {
    return `${this.#base}/api/v1/events/stream${after === undefined ? '' : `?after=${after}`}`;
  }

  async #call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const what = `${method} /api/v1${path.replace(/\?.*$/, '')}`;
    let res: Response;
    let text: string;
    try {
      const headers: Record<string, string> = { accept: 'application/json', 'x-sluice-actor': this.#actor() };
      if (body !== undefined) headers['content-type'] = 'application/json';
      res = await fetch(`${this.#base}/api/v1${path}`, {
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
