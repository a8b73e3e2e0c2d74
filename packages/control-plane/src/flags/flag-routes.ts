import { ENVIRONMENT_NAME, ErrorCode, SluiceError, type Flag, type FlagChange } from '@sluice/domain';
import { Hono, type Context } from 'hono';
import type { ApiDeps } from '../http/api-routes.js';
import { actorOf, intQuery, limitBody, MAX_COMMAND_BYTES, readCommandBody } from '../http/request-input.js';
import { sourceOf } from '../http/request-source.js';
import { flagClientRoutes } from './flag-client-routes.js';
import { flagNotFound, killSpec, patchEnvironment, restoreFlag, updateFlag, type FlagWriteContext } from './flag-commands.js';
import { readPatchBody } from './flag-input.js';
import { staleReport } from './stale-flags.js';

/** What the flag routes use of the API's dependencies. */
export type FlagRouteDeps = Pick<ApiDeps, 'store' | 'clock' | 'log' | 'flags'>;

/** A flag as the API shows it: the stored flag and, per environment, whether it is on and its default rollout. */
export interface FlagView extends Flag {
  readonly environments: Readonly<Record<string, { readonly enabled: boolean; readonly rollout: number; readonly rules: number; readonly overrides: number }>>;
}

export function flagView(flag: Flag): FlagView {
  const environments: Record<string, { enabled: boolean; rollout: number; rules: number; overrides: number }> = {};
  for (const [name, env] of Object.entries(flag.spec.environments)) {
    environments[name] = { enabled: env.enabled, rollout: env.default.rollout, rules: env.rules.length, overrides: env.overrides.length };
  }
  return { ...flag, environments };
}

export function environmentParam(c: Context, raw: string | undefined): string {
  if (raw !== undefined && ENVIRONMENT_NAME.test(raw)) return raw;
  throw new SluiceError(ErrorCode.INVALID_REQUEST, 'The environment is missing or invalid', {
    problems: [{ path: '?environment', message: raw === undefined ? 'missing environment' : 'invalid environment name', ...(raw === undefined ? {} : { found: raw.slice(0, 64) }), expected: 'an environment name such as development, staging or production' }],
  });
}

function changeOf(c: Context, deps: FlagRouteDeps, reason: string): FlagChange {
  return { actor: actorOf(c), at: deps.clock.now(), reason };
}

async function readReason(c: Context, fallback: string): Promise<string> {
  const body = await readCommandBody(c, { reason: { type: 'string', maxLength: 1000, nonEmpty: true } });
  return typeof body.reason === 'string' ? body.reason : fallback;
}

/**
 * GET /flags[/{name}], GET /flags/{name}/history, POST /flags/{name}/environments/{env} (on/off,
 * rollout, variant weights), POST /flags/{name}/kill, POST /flags/{name}/restore, GET /flags/stale,
 * and the client routes (evaluate, state, stream, metrics), mounted under /api/v1.
 */
export function flagRoutes(deps: FlagRouteDeps): Hono {
  const api = new Hono();
  const ctx: FlagWriteContext = { store: deps.store, hub: deps.flags?.hub };
  api.route('/', flagClientRoutes(deps));
  api.get('/flags', async (c) => c.json({ items: (await deps.store.flags.list()).map(flagView) }));
  api.get('/flags/stale', async (c) => {
    const unusedDays = intQuery(c, 'unusedDays', { min: 1, max: 3650 }) ?? 30;
    return c.json(await staleReport(deps.store, deps.clock.now(), { unusedDays }));
  });
  api.get('/flags/:name', async (c) => {
    const flag = await deps.store.flags.get(c.req.param('name'));
    if (flag === undefined) throw flagNotFound(c.req.param('name'));
    return c.json(flagView(flag));
  });
  api.get('/flags/:name/history', async (c) => {
    const name = c.req.param('name');
    if ((await deps.store.flags.get(name)) === undefined) throw flagNotFound(name);
    const limit = intQuery(c, 'limit', { min: 1, max: 1000 }) ?? 100;
    return c.json({ items: await deps.store.flags.history(name, limit) });
  });
  api.post('/flags/:name/environments/:environment', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const environment = environmentParam(c, c.req.param('environment'));
    const { patch, reason } = await readPatchBody(c);
    const flag = await updateFlag(ctx, c.req.param('name'), changeOf(c, deps, reason), (spec) => patchEnvironment(spec, environment, patch), { command: 'environment', environment, source: sourceOf(c) });
    deps.log.info('flag changed', { flag: flag.name, environment, version: flag.version, by: actorOf(c) });
    return c.json(flagView(flag));
  });
  api.post('/flags/:name/kill', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const reason = await readReason(c, 'kill switch');
    const flag = await updateFlag(ctx, c.req.param('name'), changeOf(c, deps, reason), killSpec, { command: 'kill', source: sourceOf(c) });
    deps.log.warn('flag killed', { flag: flag.name, version: flag.version, by: actorOf(c) });
    return c.json(flagView(flag));
  });
  api.post('/flags/:name/restore', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const body = await readCommandBody(c, { version: { type: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER }, reason: { type: 'string', maxLength: 1000, nonEmpty: true } });
    if (typeof body.version !== 'number') throw new SluiceError(ErrorCode.INVALID_REQUEST, 'Field "version" is required', { problems: [{ path: '$.version', message: 'missing required field "version"', expected: 'the version to restore (sluice flag history)' }] });
    const reason = typeof body.reason === 'string' ? body.reason : `restored version ${body.version}`;
    const flag = await restoreFlag(ctx, c.req.param('name'), body.version, changeOf(c, deps, reason), { command: 'restore', source: sourceOf(c) });
    return c.json(flagView(flag));
  });
  return api;
}
