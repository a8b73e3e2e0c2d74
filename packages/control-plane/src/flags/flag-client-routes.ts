import { compileFlags, ErrorCode, SluiceError, type CompiledFlags, type EvaluateOptions, type FlagContext } from '@sluice/domain';
import { Hono, type Context } from 'hono';
import { limitBody } from '../http/request-input.js';
import type { FlagRouteDeps } from './flag-routes.js';
import { environmentParam } from './flag-routes.js';
import { readEvaluateBody } from './flag-input.js';
import { readMetricsBody, MAX_METRICS_BYTES } from './flag-metrics-input.js';
import { readSnapshot, type FlagSnapshot } from './flag-state.js';
import { streamFlags } from './unleash/flag-sse.js';

const EVALUATE_BYTES = 256 * 1024;

/**
 * The environment a client request reads. Without an Authorization header the API is as open as the
 * rest of /api/v1; with one, the token must be known and reads only its own environment.
 */
function clientEnvironment(c: Context, deps: FlagRouteDeps, requested: unknown): string {
  const header = c.req.header('authorization');
  if (header === undefined) return environmentParam(c, typeof requested === 'string' ? requested : undefined);
  const allowed = deps.flags?.tokens.environmentOf(header);
  if (allowed === undefined) {
    throw new SluiceError(ErrorCode.FORBIDDEN, 'The flag client token is not valid', { problems: [{ path: 'Authorization', message: 'unknown token', expected: 'a client token given to the server with --flag-token environment:token' }] });
  }
  if (requested !== undefined && requested !== allowed) {
    throw new SluiceError(ErrorCode.FORBIDDEN, `The token reads environment "${allowed}", not "${String(requested).slice(0, 64)}"`, { problems: [{ path: 'environment', message: 'environment not allowed for this token', expected: allowed }] });
  }
  return allowed;
}

/** A snapshot and its flags compiled for evaluation. */
interface CompiledSnapshot extends FlagSnapshot {
  readonly flags: CompiledFlags;
}

/**
 * Snapshots per environment, compiled once and reused until the hub has seen a newer version (without
 * a hub, e.g. in some tests, every request reads the store).
 */
class SnapshotCache {
  readonly #deps: FlagRouteDeps;
  readonly #cache = new Map<string, CompiledSnapshot>();
  readonly #options: EvaluateOptions;

  constructor(deps: FlagRouteDeps) {
    this.#deps = deps;
    const clock = deps.clock;
    // Read at each evaluation: DATE_* constraints compare with the time of the request.
    this.#options = {
      get now() {
        return clock.now();
      },
      random: Math.random,
    };
  }

  async get(environment: string): Promise<CompiledSnapshot> {
    const cached = this.#cache.get(environment);
    const hub = this.#deps.flags?.hub;
    if (cached !== undefined && hub !== undefined && cached.seq === hub.seq) return cached;
    const fresh = await readSnapshot(this.#deps.store, environment);
    const compiled = { ...fresh, flags: compileFlags(fresh.state, this.#options) };
    if (this.#cache.size > 100) this.#cache.clear();
    this.#cache.set(environment, compiled);
    return compiled;
  }
}

function resultOf(flags: CompiledFlags, flag: string, context: FlagContext) {
  return { flag, ...flags.evaluate(flag, context) };
}

/** POST /flags/evaluate, GET /flags/state, GET /flags/stream and POST /flags/metrics: what SDKs call. */
export function flagClientRoutes(deps: FlagRouteDeps): Hono {
  const api = new Hono();
  const snapshots = new SnapshotCache(deps);
  api.post('/flags/evaluate', limitBody(EVALUATE_BYTES, deps.log), async (c) => {
    const body = await readEvaluateBody(c);
    const environment = clientEnvironment(c, deps, body.environment);
    const { flags, seq } = await snapshots.get(environment);
    if (body.flag !== undefined) return c.json({ environment, seq, ...resultOf(flags, body.flag, body.context) });
    const names = body.flags ?? flags.names();
    return c.json({ environment, seq, results: names.map((name) => resultOf(flags, name, body.context)) });
  });
  api.get('/flags/state', async (c) => {
    const environment = clientEnvironment(c, deps, c.req.query('environment'));
    const snapshot = await snapshots.get(environment);
    const etag = `"${environment}-${snapshot.seq}"`;
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, { etag });
    return c.json({ environment, seq: snapshot.seq, features: snapshot.state.features, segments: snapshot.state.segments ?? [] }, 200, { etag });
  });
  api.get('/flags/stream', async (c) => {
    const environment = clientEnvironment(c, deps, c.req.query('environment'));
    const hub = deps.flags?.hub;
    if (hub === undefined) throw new SluiceError(ErrorCode.CONFLICT, 'This server has no flag stream', { problems: [{ message: 'no flag hub', expected: 'GET /api/v1/flags/state instead' }] });
    const raw = c.req.header('last-event-id') ?? c.req.query('after');
    const lastEventId = raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
    return streamFlags(c, { store: deps.store, hub, environment, lastEventId });
  });
  api.post('/flags/metrics', limitBody(MAX_METRICS_BYTES, deps.log), async (c) => {
    const body = await readMetricsBody(c, deps.clock.now());
    const environment = clientEnvironment(c, deps, body.environment);
    await deps.store.flags.addUsage(body.usage.map((u) => ({ ...u, environment })));
    for (const [flag, on] of body.enabled) deps.flags?.evaluations?.record(environment, flag, on);
    return c.json({ accepted: body.usage.length }, 202);
  });
  return api;
}
