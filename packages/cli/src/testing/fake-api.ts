import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReleaseEvent } from '@sluice/domain';
import type { AnalysisTemplateView, ApplyResponse, RevisionView, RolloutView, SegmentView, ServiceView } from '../api-types.js';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** Canned state the fake serves; tests change it between runs. */
export interface FakeState {
  services: ServiceView[];
  segments: SegmentView[];
  analysisTemplates: AnalysisTemplateView[];
  /** Per rollout, the views successive GETs return; the last one repeats. */
  rollouts: Map<string, RolloutView[]>;
  events: ReleaseEvent[];
  /** What GET /rollouts/{name}/decisions pages through (by subject name, `after` and `limit`). */
  decisions: ReleaseEvent[];
  /** What POST /apply answers; the default reports every document as created. */
  apply: (body: string, dryRun: boolean) => Answer;
  /** What GET /services/{name}/revisions answers (by service), and what POST …/undo goes back to. */
  revisions: RevisionView[];
  /**
   * After an undo, how many GET /services/{name} still show the old traffic before the new stable is
   * served (Infinity: never).
   */
  undoLag: number;
}

export interface FakeApi {
  readonly url: string;
  readonly state: FakeState;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export function errorAnswer(status: number, code: string, message: string, details?: unknown): Answer {
  return { status, body: { error: { code, message, id: 'e3b0c442', ...(details === undefined ? {} : { details }) } } };
}

/** Reports every `kind: X` / `metadata: { name: y }` document as created, from YAML or `{ files }` JSON. */
export function defaultApply(body: string, dryRun: boolean): Answer {
  const text = body.startsWith('{') ? (JSON.parse(body) as { files: { text: string }[] }).files.map((f) => f.text).join('\n---\n') : body;
  const results: ApplyResponse['results'] = [...text.matchAll(/kind: (\w+)\s+metadata: \{ name: ([\w-]+) \}/g)].map((m) => ({
    kind: m[1] ?? '',
    name: m[2] ?? '',
    action: 'created',
  }));
  return { status: 200, body: { dryRun, results } };
}

/** A small stand-in for the control plane: the routes of docs/api.md over canned data, on port 0. */
export async function startFakeApi(): Promise<FakeApi> {
  const state: FakeState = { services: [], segments: [], analysisTemplates: [], rollouts: new Map(), events: [], decisions: [], apply: defaultApply, revisions: [], undoLag: 0 };
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
      const answer = route(state, req.method ?? 'GET', new URL(req.url ?? '/', 'http://fake'), body);
      send(res, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(answer.body));
}

function currentRollout(state: FakeState, name: string, advance: boolean): RolloutView | undefined {
  const frames = state.rollouts.get(name);
  if (!frames || frames.length === 0) return undefined;
  return advance && frames.length > 1 ? frames.shift() : frames[0];
}

function notFound(kind: string, name: string): Answer {
  return errorAnswer(404, `${kind.toUpperCase()}_NOT_FOUND`, `${kind} "${name}" not found`);
}

function route(state: FakeState, method: string, url: URL, body: string): Answer {
  const path = url.pathname;
  const key = `${method} ${path}`;
  if (key === 'GET /healthz') return { status: 200, body: { ok: true } };
  if (key === 'POST /api/v1/apply') return state.apply(body, url.searchParams.get('dryRun') === 'true');
  if (key === 'GET /api/v1/services') return { status: 200, body: { items: state.services } };
  if (key === 'GET /api/v1/segments') return { status: 200, body: { items: state.segments } };
  if (key === 'GET /api/v1/rollouts') {
    const items = [...state.rollouts.values()].flatMap((frames) => frames.slice(0, 1));
    const service = url.searchParams.get('service');
    return { status: 200, body: { items: items.filter((r) => service === null || r.spec.service === service) } };
  }
  if (key === 'GET /api/v1/analysistemplates') return { status: 200, body: { items: state.analysisTemplates } };
  const named = /^\/api\/v1\/(segments|analysistemplates)\/([^/]+)$/.exec(path);
  if (named && method === 'GET') {
    const name = decodeURIComponent(named[2] ?? '');
    const found = (named[1] === 'segments' ? state.segments : state.analysisTemplates).find((x) => x.name === name);
    return found ? { status: 200, body: found } : errorAnswer(404, 'NOT_FOUND', `${named[1]} "${name}" does not exist`);
  }
  const revisions = /^\/api\/v1\/services\/([^/]+)\/(revisions|undo)$/.exec(path);
  if (revisions) return revisionRoute(state, method, decodeURIComponent(revisions[1] ?? ''), revisions[2], body);
  const service = /^\/api\/v1\/services\/([^/]+)(\/history)?$/.exec(path);
  if (service && method === 'GET') {
    const name = decodeURIComponent(service[1] ?? '');
    if (!state.services.some((s) => s.name === name)) return notFound('service', name);
    if (service[2]) return { status: 200, body: { items: state.events.filter((e) => e.service === name) } };
    return { status: 200, body: serviceAnswer(state, name) };
  }
  const rollout = /^\/api\/v1\/rollouts\/([^/]+)(?:\/(promote|abort|approve|reject|pause|resume|events|decisions))?$/.exec(path);
  if (rollout?.[2] === 'decisions') return decisionsRoute(state, decodeURIComponent(rollout[1] ?? ''), url);
  if (rollout) return rolloutRoute(state, method, decodeURIComponent(rollout[1] ?? ''), rollout[2], body);
  return errorAnswer(404, 'NOT_FOUND', `no route ${key}`);
}

/** Pending undos: per service, the view GETs show until the lag runs out. */
const lagging = new WeakMap<FakeState, Map<string, { left: number; view: ServiceView }>>();

function serviceAnswer(state: FakeState, name: string): ServiceView | undefined {
  const lag = lagging.get(state)?.get(name);
  if (lag !== undefined && lag.left > 0) {
    lag.left -= 1;
    return lag.view;
  }
  return state.services.find((s) => s.name === name);
}

/** GET …/revisions, and POST …/undo: like the real one, over the canned services and revisions. */
function revisionRoute(state: FakeState, method: string, name: string, action: string | undefined, body: string): Answer {
  const service = state.services.find((s) => s.name === name);
  if (!service) return notFound('service', name);
  const mine = state.revisions.filter((r) => r.service === name);
  if (action === 'revisions' && method === 'GET') return { status: 200, body: { items: mine } };
  if (action !== 'undo' || method !== 'POST') return errorAnswer(404, 'NOT_FOUND', `no route ${method} ${name}/${action}`);
  if (service.activeRollout) return errorAnswer(409, 'CONFLICT', `Cannot undo service "${name}" while rollout "${service.activeRollout}" is Paused`);
  const asked = (JSON.parse(body || '{}') as { toRevision?: number }).toRevision;
  const target = mine.find((r) => r.number === (asked ?? service.status.revision - 1));
  if (!target) return errorAnswer(400, 'INVALID_REQUEST', `Service "${name}" has no revision ${asked}`);
  if (!target.undoable) return errorAnswer(409, 'CONFLICT', `Cannot undo service "${name}" to revision ${target.number}: ${target.reason}`);
  const revision = service.status.revision + 1;
  const next: ServiceView = { ...service, status: { stable: target.stable, revision }, ...(service.traffic ? { traffic: { ...service.traffic, stable: target.stable, weight: 0 } } : {}) };
  const answer: ServiceView = { ...service, status: next.status };
  state.services = state.services.map((s) => (s.name === name ? next : s));
  state.revisions = [
    ...state.revisions.map((r) => (r.service === name && r.current ? { ...r, current: false } : r)),
    { ...target, number: revision, outcome: 'undone-to', undoneTo: target.number, current: true, undoable: false, reason: 'it is the current revision' },
  ];
  const pending = lagging.get(state) ?? new Map<string, { left: number; view: ServiceView }>();
  pending.set(name, { left: state.undoLag, view: answer });
  lagging.set(state, pending);
  return { status: 200, body: answer };
}

function rolloutRoute(state: FakeState, method: string, name: string, action: string | undefined, body: string): Answer {
  const view = currentRollout(state, name, method === 'GET' && action === undefined);
  if (!view) return notFound('rollout', name);
  if (method === 'GET' && action === undefined) return { status: 200, body: view };
  if (method === 'GET' && action === 'events') return { status: 200, body: { items: view.events ?? [] } };
  if (method !== 'POST') return errorAnswer(404, 'NOT_FOUND', `no route ${method} ${name}`);
  const request = JSON.parse(body || '{}') as { full?: boolean; reason?: string; comment?: string; item?: string };
  if (view.status.phase === 'Succeeded' || view.status.phase === 'Aborted') {
    return errorAnswer(409, 'INVALID_TRANSITION', `Cannot ${action} a rollout that is ${view.status.phase}`);
  }
  const next = { ...view, status: commandStatus(view.status, action, request) };
  state.rollouts.set(name, [next]);
  return { status: 200, body: next };
}

function commandStatus(status: RolloutView['status'], action: string | undefined, request: { full?: boolean; reason?: string; comment?: string; item?: string }): RolloutView['status'] {
  const why = request.comment ? `: ${request.comment}` : '';
  if (action === 'abort') return { ...status, phase: 'Aborting', message: request.reason ?? 'Aborted by user' };
  if (action === 'reject') return { ...status, phase: 'Aborting', message: `Rejected${why}` };
  if (action === 'pause') return { ...status, phase: 'Paused', message: `Paused by alice${request.reason ? `: ${request.reason}` : ''}` };
  if (action === 'resume') return { ...status, phase: 'Progressing', message: `Resumed by alice${why}` };
  if (action === 'approve') return { ...status, phase: 'Progressing', message: `${request.item ? `Checklist item "${request.item}" confirmed` : 'Approved'}${why}` };
  if (request.full) return { ...status, phase: 'Promoting', message: 'Full promotion requested: skipping remaining steps' };
  return { ...status, message: 'Promote requested: the current pause ends' };
}

function decisionsRoute(state: FakeState, name: string, url: URL): Answer {
  if (!state.rollouts.has(name)) return notFound('rollout', name);
  const after = Number(url.searchParams.get('after') ?? 0);
  const limit = Number(url.searchParams.get('limit') ?? 1000);
  const decisions = state.decisions.filter((e) => e.subject.name === name && e.seq > after).slice(0, limit);
  return { status: 200, body: { decisions } };
}
