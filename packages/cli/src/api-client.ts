import { userInfo } from 'node:os';
import type { TargetView } from './render/targets-table.js';
import type { DataPlaneView, WebhookView } from './render/operations-tables.js';
import { ErrorCode, SluiceError, type Problem } from '@sluice/domain';
import type { ApplyResponse, ItemList, SpecFile } from './api-types.js';
import { ApiCalls } from './api-calls.js';

export const DEFAULT_URL = 'http://127.0.0.1:7070';
const DEFAULT_TIMEOUT_MS = 30_000;
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export interface ApiClientOptions {
  /** Control plane address, e.g. "http://127.0.0.1:7070" (no trailing /api/v1). */
  readonly baseUrl: string;
  /** Sent as `x-sluice-actor`: recorded in every event the request causes. */
  readonly actor: string;
  /** Per-request limit before the control plane counts as unreachable. */
  readonly timeoutMs?: number;
  /** An API token (--token or SLUICE_TOKEN), sent as `Authorization: Bearer`. */
  readonly token?: string | undefined;
}

interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Node's side of a call: the actor header, the timeout, and every failure as a SluiceError (network: UNREACHABLE). */
class NodeTransport {
  readonly baseUrl: string;
  readonly #actor: string;
  readonly #timeoutMs: number;
  readonly token: string | undefined;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#actor = options.actor;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.token = options.token;
  }

  /** ApiCalls' transport: JSON bodies under /api/v1. */
  send<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    if (method === 'GET' || method === 'DELETE') return this.request(`/api/v1${path}`, { method });
    return this.request(`/api/v1${path}`, { method, body: JSON.stringify(body ?? {}), headers: { 'content-type': 'application/json' } });
  }

  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method ?? 'GET',
        headers: { accept: 'application/json', 'x-sluice-actor': encodeHeader(this.#actor), ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }), ...options.headers },
        ...(options.body === undefined ? {} : { body: options.body }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw unreachable(this.baseUrl, error, this.#timeoutMs);
    }
    const text = await response.text().catch((error: unknown) => {
      throw unreachable(this.baseUrl, error, this.#timeoutMs);
    });
    if (!response.ok) throw errorFromResponse(response.status, text, url);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new SluiceError(ErrorCode.INTERNAL, `unexpected answer from ${url}: HTTP ${response.status} with a body that is not JSON (${snippet(text)})`);
    }
  }
}

/**
 * The CLI's client of docs/api.md: the calls shared with the release center (api-calls.ts) over Node's
 * fetch, plus what only the CLI sends. Every failure is a SluiceError; network failures are UNREACHABLE.
 */
export class ApiClient extends ApiCalls {
  readonly baseUrl: string;
  readonly #http: NodeTransport;

  constructor(options: ApiClientOptions) {
    const http = new NodeTransport(options);
    super((method, path, body) => http.send(method, path, body));
    this.#http = http;
    this.baseUrl = http.baseUrl;
  }

  /** The API token the client sends, if any (the event stream sends it too). */
  get token(): string | undefined {
    return this.#http.token;
  }

  /** One file goes as YAML text (its name in a header, for error positions); several go as `{ files }` so the server applies them all or none. */
  apply(files: readonly SpecFile[], dryRun: boolean): Promise<ApplyResponse> {
    const [only] = files;
    if (files.length !== 1 || only === undefined) return this.applyFiles(files, dryRun);
    return this.#http.request(`/api/v1/apply${dryRun ? '?dryRun=true' : ''}`, {
      method: 'POST',
      body: only.text,
      headers: { 'content-type': 'application/yaml', 'x-sluice-filename': encodeHeader(only.name) },
    });
  }

  async listTargets(): Promise<readonly TargetView[]> {
    return (await this.#http.request<ItemList<TargetView>>('/api/v1/targets')).items;
  }

  getTarget(name: string): Promise<TargetView> {
    return this.#http.request(`/api/v1/targets/${encodeURIComponent(name)}`);
  }

  async listWebhooks(): Promise<readonly WebhookView[]> {
    return (await this.#http.request<ItemList<WebhookView>>('/api/v1/webhooks')).items;
  }

  getWebhook(name: string): Promise<WebhookView> {
    return this.#http.request(`/api/v1/webhooks/${encodeURIComponent(name)}`);
  }

  /** What each remote data plane last reported (GET /api/v1/data-planes). */
  async listDataPlanes(): Promise<readonly DataPlaneView[]> {
    return (await this.#http.request<ItemList<DataPlaneView>>('/api/v1/data-planes')).items;
  }
}

/** The control plane address: SLUICE_URL, else the default local one. Rejects a malformed URL. */
export function resolveBaseUrl(env: Readonly<Record<string, string | undefined>>): string {
  const raw = env['SLUICE_URL']?.trim() || DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `SLUICE_URL "${raw}" is not a URL: expected an address like ${DEFAULT_URL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `SLUICE_URL "${raw}" uses ${url.protocol.slice(0, -1)}: expected http or https`);
  }
  return raw.replace(/\/+$/, '');
}

/** The API token: --token, else SLUICE_TOKEN; undefined when neither is set. */
export function resolveToken(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const token = (flag ?? env['SLUICE_TOKEN'])?.trim();
  return token ? token : undefined;
}

/** Who is asking: SLUICE_ACTOR, else the OS user name. */
export function resolveActor(env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env['SLUICE_ACTOR']?.trim();
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    // Containers may run as a uid with no passwd entry.
    return env['USER'] ?? env['LOGNAME'] ?? 'cli';
  }
}

function unreachable(baseUrl: string, error: unknown, timeoutMs: number): SluiceError {
  const hint = 'start it with `npm start` or `sluice server`, or set SLUICE_URL';
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new SluiceError(
      ErrorCode.UNREACHABLE,
      `the Sluice control plane at ${baseUrl} did not answer within ${timeoutMs / 1000}s: check that it is running, or set SLUICE_URL`,
      { cause: error },
    );
  }
  const code = networkCode(error);
  const because = code === undefined || code === 'ECONNREFUSED' ? '' : ` (${code})`;
  return new SluiceError(ErrorCode.UNREACHABLE, `cannot reach the Sluice control plane at ${baseUrl}${because}: ${hint}`, {
    cause: error,
  });
}

function networkCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    // Happy-eyeballs failures wrap one error per address.
    e = e instanceof AggregateError && e.errors.length > 0 ? e.errors[0] : e.cause;
  }
  return undefined;
}

/** Maps an `{ error: { code, message, details } }` body to a SluiceError; anything else to INTERNAL. */
export function errorFromResponse(status: number, text: string, url: string): SluiceError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : undefined;
  if (!error || typeof error['code'] !== 'string' || typeof error['message'] !== 'string') {
    return new SluiceError(ErrorCode.INTERNAL, `unexpected answer from ${url}: HTTP ${status} ${snippet(text)}`, {
      details: { status },
    });
  }
  const code = KNOWN_CODES.has(error['code']) ? (error['code'] as ErrorCode) : codeForStatus(status);
  const details = isRecord(error['details']) ? error['details'] : {};
  const problems = Array.isArray(details['problems']) ? details['problems'].flatMap(toProblem) : [];
  const id = typeof error['id'] === 'string' ? error['id'] : undefined;
  return new SluiceError(code, withAuthHint(status, error['message'], details), {
    problems,
    details: { ...details, status, ...(id === undefined ? {} : { id }) },
  });
}

/** What to do about a refused token, for people at a terminal. */
function withAuthHint(status: number, message: string, details: Record<string, unknown>): string {
  if (status === 401) return `${message.replace(/:.*$/, '')}. The control plane runs with --auth: pass --token TOKEN or set SLUICE_TOKEN (an admin makes one with \`sluice token create NAME --role ROLE\`)`;
  const tokenRefusal = 'role' in details || 'needsScope' in details || 'needsService' in details || 'service' in details;
  if (status === 403 && tokenRefusal) return `${message}. Use a token that has it (--token or SLUICE_TOKEN), or ask an admin for one`;
  return message;
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400) return ErrorCode.INVALID_REQUEST;
  if (status === 401) return ErrorCode.UNAUTHENTICATED;
  if (status === 403) return ErrorCode.FORBIDDEN;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 409) return ErrorCode.CONFLICT;
  if (status === 413) return ErrorCode.PAYLOAD_TOO_LARGE;
  if (status === 429) return ErrorCode.TOO_MANY_REQUESTS;
  return ErrorCode.INTERNAL;
}

function toProblem(value: unknown): Problem[] {
  if (!isRecord(value) || typeof value['message'] !== 'string') return [];
  const text = (key: string) => (typeof value[key] === 'string' ? { [key]: value[key] } : {});
  const num = (key: string) => (typeof value[key] === 'number' ? { [key]: value[key] } : {});
  return [
    {
      message: value['message'],
      ...text('file'),
      ...num('line'),
      ...num('col'),
      ...text('path'),
      ...text('found'),
      ...text('expected'),
    } as Problem,
  ];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat || '(empty body)';
}

/** Header values must be Latin-1; file and user names may not be. */
function encodeHeader(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
