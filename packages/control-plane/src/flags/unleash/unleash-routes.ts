import { randomBytes } from 'node:crypto';
import type { DeltaEvent } from '@sluice/domain';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { ApiDeps } from '../../http/api-routes.js';
import { limitBody } from '../../http/request-input.js';
import { changesAfter, deltaEvents, readSnapshot } from '../flag-state.js';
import { parseLastEventId, streamFlags } from './flag-sse.js';
import { etagMatches, featureQuery, featuresResponse, wantsSegmentList } from './unleash-features.js';
import { parseJsonObject } from '../../http/request-input.js';
import { clientRegistrationsOf, parseMetrics, parseRegistration, usageOf } from './unleash-metrics.js';

/** Metrics and registration bodies: at most 1 MiB. */
export const MAX_CLIENT_BODY_BYTES = 1024 * 1024;

/**
 * 401 in the API's error shape. The catalog has no "unauthenticated" code, so the body says
 * FORBIDDEN while the status says 401, which is what Unleash SDKs look at.
 */
export function unauthorized(c: Context): Response {
  const message = 'A client token is required: send it as the Authorization header (the token, or Bearer <token>)';
  const problems = [{ path: 'Authorization', message: 'missing or unknown client token', expected: 'a token configured with --flag-token <environment>:<token>' }];
  return c.json({ error: { code: 'FORBIDDEN', message, id: randomBytes(4).toString('hex'), details: { problems } } }, 401, { 'www-authenticate': 'Bearer' });
}

/** The environment the request's token reads, or undefined (no flag services, no or unknown token). */
export function clientEnvironment(c: Context, deps: ApiDeps): string | undefined {
  return deps.flags?.tokens.environmentOf(c.req.header('authorization'));
}

function requireToken(deps: ApiDeps): MiddlewareHandler {
  return async (c, next) => {
    if (clientEnvironment(c, deps) === undefined) return unauthorized(c);
    await next();
    return undefined;
  };
}

function environmentOf(c: Context, deps: ApiDeps): string {
  // requireToken ran first, so the token is known.
  return clientEnvironment(c, deps) as string;
}

async function features(c: Context, deps: ApiDeps): Promise<Response> {
  const snapshot = await readSnapshot(deps.store, environmentOf(c, deps));
  const body = featuresResponse(snapshot, featureQuery(new URL(c.req.url)), wantsSegmentList(c.req.header('unleash-client-spec')));
  c.header('etag', body.meta.etag);
  c.header('cache-control', 'no-cache');
  if (etagMatches(c.req.header('if-none-match'), body.meta.etag)) return c.body(null, 304);
  return c.json(body);
}

/**
 * Unleash's delta polling (`experimentalMode: { type: 'polling', format: 'delta' }`): the changes
 * since the revision in `If-None-Match`, or a hydration when they cannot be replayed.
 */
async function delta(c: Context, deps: ApiDeps): Promise<Response> {
  const environment = environmentOf(c, deps);
  const snapshot = await readSnapshot(deps.store, environment);
  const etag = featuresResponse(snapshot, {}, true).meta.etag;
  c.header('etag', etag);
  c.header('cache-control', 'no-cache');
  const sent = c.req.header('if-none-match');
  if (etagMatches(sent, etag)) return c.body(null, 304);
  const known = /^"[0-9a-f]{8}:(\d{1,15}):[0-9a-f]{8}"$/.exec(sent?.trim() ?? '');
  const notice = known ? await changesAfter(deps.store, Number(known[1])) : undefined;
  const events: DeltaEvent[] = notice
    ? deltaEvents(notice, environment, undefined)
    : [{ type: 'hydration', eventId: snapshot.seq, features: snapshot.state.features, segments: snapshot.state.segments ?? [] }];
  return c.json({ events });
}

async function metrics(c: Context, deps: ApiDeps): Promise<Response> {
  const environment = environmentOf(c, deps);
  const bucket = parseMetrics(parseJsonObject(await c.req.text()));
  const known = new Set((await deps.store.flags.list()).map((f) => f.name));
  const usage = usageOf(bucket, environment, known, deps.clock.now());
  if (usage.length > 0) await deps.store.flags.addUsage(usage);
  for (const [flag, { yes }] of bucket.toggles) if (known.has(flag)) deps.flags?.evaluations?.record(environment, flag, yes);
  return c.body(null, 202);
}

async function register(c: Context, deps: ApiDeps): Promise<Response> {
  const registration = parseRegistration(parseJsonObject(await c.req.text()), environmentOf(c, deps), deps.clock.now());
  clientRegistrationsOf(deps.store).record(registration);
  return c.body(null, 202);
}

function streaming(c: Context, deps: ApiDeps): Response {
  const environment = environmentOf(c, deps);
  const hub = deps.flags?.hub;
  if (hub === undefined) return unauthorized(c); // unreachable: without flag services no token is known
  return streamFlags(c, { store: deps.store, hub, environment, lastEventId: parseLastEventId(c.req.header('last-event-id')), log: deps.log });
}

/**
 * Unleash's client API, mounted at /api/client, so Unleash's own SDKs read Sluice's flags unchanged
 * (the SDK's `url` is `https://<sluice>/api/`): `GET /features` (polling, ETag), `GET /delta`,
 * `GET /streaming` (SSE), `POST /register` and `POST /metrics`. Every route needs a client token,
 * which reads exactly one environment.
 */
export function unleashClientRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const auth = requireToken(deps);
  app.get('/features', auth, (c) => features(c, deps));
  app.get('/delta', auth, (c) => delta(c, deps));
  app.get('/streaming', auth, (c) => streaming(c, deps));
  app.post('/metrics', auth, limitBody(MAX_CLIENT_BODY_BYTES, deps.log), (c) => metrics(c, deps));
  app.post('/register', auth, limitBody(MAX_CLIENT_BODY_BYTES, deps.log), (c) => register(c, deps));
  return app;
}
