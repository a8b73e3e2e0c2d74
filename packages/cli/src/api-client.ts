import { userInfo } from 'node:os';
import type { TargetView } from './render/targets-table.js';
import { ErrorCode, SluiceError, type Problem, type ReleaseEvent } from '@sluice/domain';
import type {
  AnalysisTemplateView,
  ApplyResponse,
  DecisionList,
  ExperimentView,
  FlagEnvironmentChange,
  FlagEvaluationView,
  FlagRevision,
  FlagView,
  ItemList,
  RevisionView,
  RolloutView,
  SegmentView,
  ServiceView,
  SpecFile,
  StaleFlagReport,
} from './api-types.js';

export const DEFAULT_URL = 'http://127.0.0.1:7070';
const DEFAULT_TIMEOUT_MS = 30_000;
/** Decisions asked for per request when reading a whole decision log. */
const DECISION_PAGE = 10_000;
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export interface ApiClientOptions {
  /** Control plane address, e.g. "http://127.0.0.1:7070" (no trailing /api/v1). */
  readonly baseUrl: string;
  /** Sent as `x-sluice-actor`: recorded in every event the request causes. */
  readonly actor: string;
  /** Per-request limit before the control plane counts as unreachable. */
  readonly timeoutMs?: number;
}

interface RequestOptions {
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Typed client for docs/api.md. Every failure is a SluiceError; network failures are UNREACHABLE. */
export class ApiClient {
  readonly baseUrl: string;
  readonly #actor: string;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#actor = options.actor;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** One file goes as YAML text; several go as `{ files }` JSON so the server applies them all or none. */
  apply(files: readonly SpecFile[], dryRun: boolean): Promise<ApplyResponse> {
    const path = `/api/v1/apply${dryRun ? '?dryRun=true' : ''}`;
    const [only] = files;
    if (files.length === 1 && only) {
      return this.#request(path, {
        method: 'POST',
        body: only.text,
        headers: { 'content-type': 'application/yaml', 'x-sluice-filename': encodeHeader(only.name) },
      });
    }
    return this.#request(path, {
      method: 'POST',
      body: JSON.stringify({ files }),
      headers: { 'content-type': 'application/json' },
    });
  }

  schema(): Promise<unknown> {
    return this.#request('/api/v1/schema');
  }

  async listServices(): Promise<readonly ServiceView[]> {
    return (await this.#request<ItemList<ServiceView>>('/api/v1/services')).items;
  }

  getService(name: string): Promise<ServiceView> {
    return this.#request(`/api/v1/services/${encodeURIComponent(name)}`);
  }

  async serviceHistory(name: string): Promise<readonly ReleaseEvent[]> {
    const path = `/api/v1/services/${encodeURIComponent(name)}/history`;
    return (await this.#request<ItemList<ReleaseEvent>>(path)).items;
  }

  /** The service's revisions, lowest number first. */
  async serviceRevisions(name: string): Promise<readonly RevisionView[]> {
    return (await this.#request<ItemList<RevisionView>>(`/api/v1/services/${encodeURIComponent(name)}/revisions`)).items;
  }

  /** Makes an earlier revision's version stable again (default: the revision before the current one). */
  undo(name: string, toRevision?: number): Promise<ServiceView> {
    return this.#post(`/api/v1/services/${encodeURIComponent(name)}/undo`, toRevision === undefined ? {} : { toRevision });
  }

  async listRollouts(service?: string): Promise<readonly RolloutView[]> {
    const query = service === undefined ? '' : `?service=${encodeURIComponent(service)}`;
    return (await this.#request<ItemList<RolloutView>>(`/api/v1/rollouts${query}`)).items;
  }

  async listTargets(): Promise<readonly TargetView[]> {
    return (await this.#request<ItemList<TargetView>>('/api/v1/targets')).items;
  }

  getTarget(name: string): Promise<TargetView> {
    return this.#request(`/api/v1/targets/${encodeURIComponent(name)}`);
  }

  async listSegments(): Promise<readonly SegmentView[]> {
    return (await this.#request<ItemList<SegmentView>>('/api/v1/segments')).items;
  }

  getSegment(name: string): Promise<SegmentView> {
    return this.#request(`/api/v1/segments/${encodeURIComponent(name)}`);
  }

  async listAnalysisTemplates(): Promise<readonly AnalysisTemplateView[]> {
    return (await this.#request<ItemList<AnalysisTemplateView>>('/api/v1/analysistemplates')).items;
  }

  getAnalysisTemplate(name: string): Promise<AnalysisTemplateView> {
    return this.#request(`/api/v1/analysistemplates/${encodeURIComponent(name)}`);
  }

  /** The whole decision log of a rollout, oldest first, read page by page. */
  async decisions(name: string): Promise<DecisionList> {
    const all: ReleaseEvent[] = [];
    for (;;) {
      const after = all.length === 0 ? '' : `&after=${all[all.length - 1]?.seq ?? 0}`;
      const path = `/api/v1/rollouts/${encodeURIComponent(name)}/decisions?limit=${DECISION_PAGE}${after}`;
      const page = (await this.#request<DecisionList>(path)).decisions;
      all.push(...page);
      if (page.length < DECISION_PAGE) return { decisions: all };
    }
  }

  getRollout(name: string): Promise<RolloutView> {
    return this.#request(`/api/v1/rollouts/${encodeURIComponent(name)}`);
  }

  promote(name: string, full: boolean): Promise<RolloutView> {
    return this.#post(`/api/v1/rollouts/${encodeURIComponent(name)}/promote`, full ? { full } : {});
  }

  abort(name: string, reason?: string, force = false): Promise<RolloutView> {
    return this.#post(`/api/v1/rollouts/${encodeURIComponent(name)}/abort`, { ...(reason === undefined ? {} : { reason }), ...(force ? { force: true } : {}) });
  }

  /** Approves the current approval step, or confirms the checklist instruction `item`. */
  approve(name: string, options: { comment?: string | undefined; item?: string | undefined } = {}): Promise<RolloutView> {
    const body = { ...(options.comment === undefined ? {} : { comment: options.comment }), ...(options.item === undefined ? {} : { item: options.item }) };
    return this.#post(`/api/v1/rollouts/${encodeURIComponent(name)}/approve`, body);
  }

  /** Holds the rollout for a person until resume. */
  pause(name: string, reason?: string): Promise<RolloutView> {
    return this.#post(`/api/v1/rollouts/${encodeURIComponent(name)}/pause`, reason === undefined ? {} : { reason });
  }

  /** Releases a pause made with pause. */
  resume(name: string, comment?: string): Promise<RolloutView> {
    return this.#post(`/api/v1/rollouts/${encodeURIComponent(name)}/resume`, comment === undefined ? {} : { comment });
  }

  /** Rejects the rollout: it aborts. */
  reject(name: string, comment?: string): Promise<RolloutView> {
    return this.#post(`/api/v1/rollouts/${encodeURIComponent(name)}/reject`, comment === undefined ? {} : { comment });
  }

  async listExperiments(service?: string): Promise<readonly ExperimentView[]> {
    const query = service === undefined ? '' : `?service=${encodeURIComponent(service)}`;
    return (await this.#request<ItemList<ExperimentView>>(`/api/v1/experiments${query}`)).items;
  }

  getExperiment(name: string): Promise<ExperimentView> {
    return this.#request(`/api/v1/experiments/${encodeURIComponent(name)}`);
  }

  stopExperiment(name: string, reason?: string): Promise<ExperimentView> {
    return this.#post(`/api/v1/experiments/${encodeURIComponent(name)}/stop`, reason === undefined ? {} : { reason });
  }

  /** Promotes the winner, or `variant` (which needs `force` unless it is the winner). */
  promoteExperiment(name: string, options: { variant?: string | undefined; force?: boolean } = {}): Promise<ExperimentView> {
    const body = { ...(options.variant === undefined ? {} : { variant: options.variant }), ...(options.force === true ? { force: true } : {}) };
    return this.#post(`/api/v1/experiments/${encodeURIComponent(name)}/promote`, body);
  }

  async listFlags(): Promise<readonly FlagView[]> {
    return (await this.#request<ItemList<FlagView>>('/api/v1/flags')).items;
  }

  getFlag(name: string): Promise<FlagView> {
    return this.#request(`/api/v1/flags/${encodeURIComponent(name)}`);
  }

  /** The flag's versions, newest first. */
  async flagHistory(name: string, limit?: number): Promise<readonly FlagRevision[]> {
    const query = limit === undefined ? '' : `?limit=${limit}`;
    return (await this.#request<ItemList<FlagRevision>>(`/api/v1/flags/${encodeURIComponent(name)}/history${query}`)).items;
  }

  /** Turns the flag on or off, sets its default rollout or its variant weights in one environment. */
  changeFlag(name: string, environment: string, change: FlagEnvironmentChange): Promise<FlagView> {
    return this.#post(`/api/v1/flags/${encodeURIComponent(name)}/environments/${encodeURIComponent(environment)}`, change);
  }

  /** The kill switch: the flag off in every environment. */
  killFlag(name: string, reason?: string): Promise<FlagView> {
    return this.#post(`/api/v1/flags/${encodeURIComponent(name)}/kill`, reason === undefined ? {} : { reason });
  }

  restoreFlag(name: string, version: number, reason?: string): Promise<FlagView> {
    return this.#post(`/api/v1/flags/${encodeURIComponent(name)}/restore`, { version, ...(reason === undefined ? {} : { reason }) });
  }

  staleFlags(unusedDays?: number): Promise<StaleFlagReport> {
    return this.#request(`/api/v1/flags/stale${unusedDays === undefined ? '' : `?unusedDays=${unusedDays}`}`);
  }

  evaluateFlag(name: string, environment: string, context: unknown): Promise<FlagEvaluationView> {
    return this.#post('/api/v1/flags/evaluate', { environment, flag: name, ...(context === undefined ? {} : { context }) });
  }

  /** Rolling restart of the multi-process data plane. */
  restartProxy(): Promise<{ restarted: boolean; router: string; ms: number }> {
    return this.#post('/api/v1/proxy/restart', {});
  }

  #post<T>(path: string, body: unknown): Promise<T> {
    return this.#request(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  }

  async #request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method ?? 'GET',
        headers: { accept: 'application/json', 'x-sluice-actor': encodeHeader(this.#actor), ...options.headers },
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
  return new SluiceError(code, error['message'], {
    problems,
    details: { ...details, status, ...(id === undefined ? {} : { id }) },
  });
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400) return ErrorCode.INVALID_REQUEST;
  if (status === 403) return ErrorCode.FORBIDDEN;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 409) return ErrorCode.CONFLICT;
  if (status === 413) return ErrorCode.PAYLOAD_TOO_LARGE;
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
