import { ApiCalls } from '@sluice/cli/api-calls';
import type { FlagRevision, FlagView } from '@sluice/cli/api-types';
import { parseWhoami, type Whoami } from '../auth/permissions';
import { ApiError, errorFromBody, toApiError } from './api-error';

/** Where the release center's client sends its calls and as whom. */
export interface ApiClientOptions {
  /** Where /api/v1 lives; '' = the origin that served the page (the control plane). */
  readonly baseUrl?: string;
  /** Sent as `x-sluice-actor`, recorded with every change the request makes. */
  readonly actor: () => string;
  readonly timeoutMs?: number;
  /**
   * Called when a call answers 401 (no session, or it expired or was revoked) — except signIn's, whose
   * 401 is a wrong token. The app sends the person to the login page.
   */
  readonly onUnauthenticated?: () => void;
}

type Method = 'GET' | 'POST' | 'DELETE';

/** Seconds of a Retry-After header (delta-seconds or an HTTP date), if any. */
function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export type { FlagRevision, FlagView };

/** The browser's side of a call: the actor header, the timeout, and every failure as an ApiError. */
class BrowserTransport {
  readonly base: string;
  readonly #actor: () => string;
  readonly #timeoutMs: number;
  readonly #onUnauthenticated: () => void;

  constructor(options: ApiClientOptions) {
    this.base = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.#actor = options.actor;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#onUnauthenticated = options.onUnauthenticated ?? (() => {});
  }

  /** `own401`: the caller handles a 401 itself (a wrong token at sign-in is not an expired session). */
  async send<T>(method: Method, path: string, body?: unknown, own401 = false): Promise<T> {
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
    if (!res.ok) {
      const error = errorFromBody(res.status, text, what);
      if (res.status === 401 && !own401) this.#onUnauthenticated();
      const wait = res.status === 429 ? retryAfterSeconds(res.headers.get('retry-after')) : undefined;
      if (wait === undefined) throw error;
      throw new ApiError(error.code, error.message, { status: res.status, problems: error.problems, details: { ...error.details, retryAfterSeconds: wait } });
    }
    if (res.status === 204 || (method === 'DELETE' && text.trim() === '')) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw errorFromBody(res.status, text, what);
    }
  }
}

function whoamiOf(answer: unknown, what: string): Whoami {
  const me = parseWhoami(answer);
  if (me === undefined) throw new ApiError('INTERNAL', `Unexpected answer to ${what}: ${JSON.stringify(answer).slice(0, 160)}`);
  return me;
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

  /**
   * Who is signed in (GET /api/v1/whoami, checked: ApiCalls.whoami trusts the answer). A control plane
   * without logins (an older one answers 404) counts as auth "off"; a 401 means nobody is signed in
   * and calls onUnauthenticated.
   */
  async checkSession(): Promise<Whoami> {
    let answer: unknown;
    try {
      answer = await this.#http.send('GET', '/whoami');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return { auth: 'off', name: '', role: 'admin', services: ['*'], scopes: [], expiresAt: null };
      throw error;
    }
    return whoamiOf(answer, 'GET /api/v1/whoami');
  }

  /** Signs in with an API token (POST /api/v1/session): the server sets the session cookie. A wrong token throws its 401. */
  async signIn(token: string): Promise<Whoami> {
    return whoamiOf(await this.#http.send('POST', '/session', { token }, true), 'POST /api/v1/session');
  }

  /** Signs out (DELETE /api/v1/session): the server clears the cookie. */
  async signOut(): Promise<void> {
    await this.#http.send('DELETE', '/session', undefined, true);
  }

  /** The server-sent events of one environment's flag definitions (they authenticate by the session cookie, like fetch). */
  flagStreamUrl(environment: string): string {
    return `${this.#http.base}/api/v1/flags/stream?environment=${encodeURIComponent(environment)}`;
  }

  /** The server-sent events of every stored event after `after` (GET /api/v1/events/stream). */
  eventStreamUrl(after?: number): string {
    return `${this.#http.base}/api/v1/events/stream${after === undefined ? '' : `?after=${after}`}`;
  }
}
