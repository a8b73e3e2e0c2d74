// The calls of docs/api.md, typed once for both clients: the CLI (api-client.ts, over Node's fetch)
// and the release center (packages/ui, over the browser's). Browser-safe on purpose: type imports
// only, no Node module, no runtime import from another package (tools/check-layers.ts checks it).
import type { ReleaseEvent } from '@sluice/domain';
import type {
  AnalysisTemplateView,
  ApplyResponse,
  DecisionList,
  EventQuery,
  ExperimentView,
  FlagEnvironmentChange,
  FlagEvaluationView,
  FlagRevision,
  FlagView,
  ItemList,
  RevisionView,
  RolloutMetrics,
  RolloutView,
  SegmentView,
  ServiceView,
  SpecFile,
  StaleFlagReport,
} from './api-types.js';

/** Sends one call: `path` is under /api/v1 and starts with "/"; answers the parsed JSON or throws the client's error. */
export type ApiSend = <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => Promise<T>;

/** Roles of API tokens (docs/auth.md). */
export type TokenRole = 'viewer' | 'operator' | 'admin';

/** GET /whoami and POST /session: who the requests act as. */
export interface WhoamiView {
  readonly auth: 'on' | 'off';
  readonly name: string;
  readonly role: TokenRole;
  readonly services: readonly string[];
  readonly scopes: readonly string[];
  readonly expiresAt: number | null;
}

/** A token's metadata (never its secret). */
export interface TokenView {
  readonly name: string;
  readonly role: TokenRole;
  readonly services: readonly string[];
  readonly scopes: readonly string[];
  readonly createdAt: number;
  readonly createdBy: string;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
  readonly state: 'active' | 'expired' | 'revoked';
}

/** POST /tokens answers the token text, once. */
export interface CreatedToken extends TokenView {
  readonly token: string;
}

export interface NewToken {
  readonly name: string;
  readonly role: TokenRole;
  readonly services?: readonly string[] | undefined;
  readonly scopes?: readonly string[] | undefined;
  /** e.g. "30d", "12h", "90m"; absent: never expires. */
  readonly expiresIn?: string | undefined;
}

/** The most decisions one answer carries when a whole log is read page by page. */
const DECISION_PAGE = 10_000;
/** The most events one answer of /rollouts/{name}/events carries (docs/api.md). */
const EVENT_PAGE = 10_000;

const seg = encodeURIComponent;

function query(params: Readonly<Record<string, string | number | boolean | undefined>>): string {
  const parts = Object.entries(params).flatMap(([k, v]) => (v === undefined || v === false ? [] : [`${k}=${seg(String(v))}`]));
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** Drops undefined fields so bodies carry only what the caller set. */
function body(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** Every API call both clients make; each client brings its transport (`send`). */
export class ApiCalls {
  readonly #send: ApiSend;

  constructor(send: ApiSend) {
    this.#send = send;
  }

  /** Applies spec files all or nothing (`dryRun`: check only). */
  applyFiles(files: readonly SpecFile[], dryRun: boolean): Promise<ApplyResponse> {
    return this.#send('POST', `/apply${query({ dryRun })}`, { files });
  }

  schema(): Promise<unknown> {
    return this.#send('GET', '/schema');
  }

  async listServices(): Promise<readonly ServiceView[]> {
    return (await this.#send<ItemList<ServiceView>>('GET', '/services')).items;
  }

  getService(name: string): Promise<ServiceView> {
    return this.#send('GET', `/services/${seg(name)}`);
  }

  async serviceHistory(name: string): Promise<readonly ReleaseEvent[]> {
    return (await this.#send<ItemList<ReleaseEvent>>('GET', `/services/${seg(name)}/history`)).items;
  }

  /** The service's revisions, lowest number first. */
  async serviceRevisions(name: string): Promise<readonly RevisionView[]> {
    return (await this.#send<ItemList<RevisionView>>('GET', `/services/${seg(name)}/revisions`)).items;
  }

  /** Makes an earlier revision's version stable again (default: the revision before the current one). */
  undo(name: string, toRevision?: number): Promise<ServiceView> {
    return this.#send('POST', `/services/${seg(name)}/undo`, body({ toRevision }));
  }

  async listRollouts(service?: string): Promise<readonly RolloutView[]> {
    return (await this.#send<ItemList<RolloutView>>('GET', `/rollouts${query({ service })}`)).items;
  }

  getRollout(name: string): Promise<RolloutView> {
    return this.#send('GET', `/rollouts/${seg(name)}`);
  }

  /** Every event of the rollout after `after` (all pages), oldest first; measurements are in the decision log. */
  async rolloutEvents(name: string, after?: number): Promise<readonly ReleaseEvent[]> {
    const out: ReleaseEvent[] = [];
    for (let from = after; ; ) {
      const page = (await this.#send<ItemList<ReleaseEvent>>('GET', `/rollouts/${seg(name)}/events${query({ after: from })}`)).items;
      out.push(...page);
      if (page.length < EVENT_PAGE) return out;
      from = page[page.length - 1]?.seq;
    }
  }

  /** One page of the decision log after `after`, oldest first. */
  async decisionPage(name: string, options: { readonly after?: number | undefined; readonly limit?: number } = {}): Promise<readonly ReleaseEvent[]> {
    return (await this.#send<DecisionList>('GET', `/rollouts/${seg(name)}/decisions${query({ limit: options.limit ?? DECISION_PAGE, after: options.after })}`)).decisions;
  }

  /** The whole decision log of a rollout after `after`, oldest first, read page by page. */
  async decisions(name: string, after?: number): Promise<DecisionList> {
    const all: ReleaseEvent[] = [];
    for (;;) {
      const page = await this.decisionPage(name, { after: all.length === 0 ? after : all[all.length - 1]?.seq, limit: DECISION_PAGE });
      all.push(...page);
      if (page.length < DECISION_PAGE) return { decisions: all };
    }
  }

  /** Per-second traffic of the rollout's versions (all of it, or only after `after` ms). */
  rolloutMetrics(name: string, after?: number): Promise<RolloutMetrics> {
    return this.#send('GET', `/rollouts/${seg(name)}/metrics${query({ after })}`);
  }

  promote(name: string, full: boolean): Promise<RolloutView> {
    return this.#send('POST', `/rollouts/${seg(name)}/promote`, full ? { full } : {});
  }

  /** Sends everyone back to stable; `force` past the point of no return. */
  abort(name: string, reason?: string, force = false): Promise<RolloutView> {
    return this.#send('POST', `/rollouts/${seg(name)}/abort`, body({ reason, force: force ? true : undefined }));
  }

  /** Approves the current approval step, or confirms the checklist instruction `item`. */
  approve(name: string, options: { readonly comment?: string | undefined; readonly item?: string | undefined } = {}): Promise<RolloutView> {
    return this.#send('POST', `/rollouts/${seg(name)}/approve`, body({ comment: options.comment, item: options.item }));
  }

  /** Holds the rollout for a person until resume. */
  pause(name: string, reason?: string): Promise<RolloutView> {
    return this.#send('POST', `/rollouts/${seg(name)}/pause`, body({ reason }));
  }

  /** Releases a pause made with pause. */
  resume(name: string, comment?: string): Promise<RolloutView> {
    return this.#send('POST', `/rollouts/${seg(name)}/resume`, body({ comment }));
  }

  /** Rejects the rollout: it aborts. */
  reject(name: string, comment?: string): Promise<RolloutView> {
    return this.#send('POST', `/rollouts/${seg(name)}/reject`, body({ comment }));
  }

  /** Stored events, filtered and paged as GET /events takes them. */
  async events(filter: EventQuery = {}): Promise<readonly ReleaseEvent[]> {
    return (await this.#send<ItemList<ReleaseEvent>>('GET', `/events${query({ ...filter })}`)).items;
  }

  async listSegments(): Promise<readonly SegmentView[]> {
    return (await this.#send<ItemList<SegmentView>>('GET', '/segments')).items;
  }

  getSegment(name: string): Promise<SegmentView> {
    return this.#send('GET', `/segments/${seg(name)}`);
  }

  async listAnalysisTemplates(): Promise<readonly AnalysisTemplateView[]> {
    return (await this.#send<ItemList<AnalysisTemplateView>>('GET', '/analysistemplates')).items;
  }

  getAnalysisTemplate(name: string): Promise<AnalysisTemplateView> {
    return this.#send('GET', `/analysistemplates/${seg(name)}`);
  }

  async listExperiments(service?: string): Promise<readonly ExperimentView[]> {
    return (await this.#send<ItemList<ExperimentView>>('GET', `/experiments${query({ service })}`)).items;
  }

  getExperiment(name: string): Promise<ExperimentView> {
    return this.#send('GET', `/experiments/${seg(name)}`);
  }

  stopExperiment(name: string, reason?: string): Promise<ExperimentView> {
    return this.#send('POST', `/experiments/${seg(name)}/stop`, body({ reason }));
  }

  /** Promotes the winner, or `variant` (which needs `force` unless it is the winner). */
  promoteExperiment(name: string, options: { readonly variant?: string | undefined; readonly force?: boolean } = {}): Promise<ExperimentView> {
    return this.#send('POST', `/experiments/${seg(name)}/promote`, body({ variant: options.variant, force: options.force === true ? true : undefined }));
  }

  async listFlags(): Promise<readonly FlagView[]> {
    return (await this.#send<ItemList<FlagView>>('GET', '/flags')).items;
  }

  getFlag(name: string): Promise<FlagView> {
    return this.#send('GET', `/flags/${seg(name)}`);
  }

  /** The flag's versions, newest first. */
  async flagHistory(name: string, limit?: number): Promise<readonly FlagRevision[]> {
    return (await this.#send<ItemList<FlagRevision>>('GET', `/flags/${seg(name)}/history${query({ limit })}`)).items;
  }

  /** Turns the flag on or off, sets its default rollout or its variant weights in one environment. */
  changeFlag(name: string, environment: string, change: FlagEnvironmentChange): Promise<FlagView> {
    return this.#send('POST', `/flags/${seg(name)}/environments/${seg(environment)}`, change);
  }

  /** The kill switch: the flag off in every environment. */
  killFlag(name: string, reason?: string): Promise<FlagView> {
    return this.#send('POST', `/flags/${seg(name)}/kill`, body({ reason }));
  }

  /** Makes the settings of `version` current again, as a new version. */
  restoreFlag(name: string, version: number, reason?: string): Promise<FlagView> {
    return this.#send('POST', `/flags/${seg(name)}/restore`, body({ version, reason }));
  }

  staleFlags(unusedDays?: number): Promise<StaleFlagReport> {
    return this.#send('GET', `/flags/stale${query({ unusedDays })}`);
  }

  evaluateFlag(name: string, environment: string, context: unknown): Promise<FlagEvaluationView> {
    return this.#send('POST', '/flags/evaluate', body({ environment, flag: name, context }));
  }

  /** Rolling restart of the multi-process data plane. */
  restartProxy(): Promise<{ restarted: boolean; router: string; ms: number }> {
    return this.#send('POST', '/proxy/restart', {});
  }

  /** Who the requests act as (auth "off" without --auth). */
  whoami(): Promise<WhoamiView> {
    return this.#send('GET', '/whoami');
  }

  /** Makes an API token (admin); the answer has the token text, shown only this once. */
  createToken(token: NewToken): Promise<CreatedToken> {
    return this.#send('POST', '/tokens', body({ ...token }));
  }

  async listTokens(): Promise<readonly TokenView[]> {
    return (await this.#send<ItemList<TokenView>>('GET', '/tokens')).items;
  }

  revokeToken(name: string): Promise<TokenView> {
    return this.#send('DELETE', `/tokens/${seg(name)}`);
  }
}
