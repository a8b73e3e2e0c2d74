import { ErrorCode, EventType, SluiceError, type ApprovalPolicy, type Clock, type Rollout } from '@sluice/domain';
import { Hono } from 'hono';
import type { ControllerView as Controller } from '../orchestrator/controller-view.js';
import type { Logger } from '../platform/logger.js';
import { abortRollout, approveRollout, pauseRollout, promoteRollout, rejectRollout, resumeRollout, type CommandContext } from '../rollouts/rollout-commands.js';
import type { Store } from '../store/store.js';
import { actorOf, intQuery, limitBody, MAX_COMMAND_BYTES, readCommandBody } from './request-input.js';
import { sourceOf } from './request-source.js';
import { rolloutView } from './views.js';

export interface RolloutRouteDeps {
  readonly store: Store;
  readonly controller: Controller;
  readonly clock: Clock;
  readonly log: Logger;
  /** `selfApproval: false`: a rollout's author may not approve it unless the step allows it (sluice server --no-self-approval). */
  readonly approvalPolicy?: ApprovalPolicy | undefined;
}

/** Longest comment kept with an approval or rejection. */
export const MAX_COMMENT_LENGTH = 2000;

/** Left out of the events `status` shows: there is one per measurement (`explain` shows them). */
export const STATUS_EXCLUDED_TYPES: readonly EventType[] = [EventType.AnalysisMeasured];

/** The decision log of a rollout: what verified it and who decided. */
export const DECISION_TYPES: readonly EventType[] = [
  EventType.AnalysisMeasured,
  EventType.GuardBreached,
  EventType.RollbackProgressed,
  EventType.AnalysisDecided,
  EventType.ChecklistItemChanged,
  EventType.ApprovalRecorded,
  EventType.LoadFinished,
];

async function getRollout(store: Store, name: string): Promise<Rollout> {
  const rollout = await store.rollouts.get(name);
  if (!rollout) throw new SluiceError(ErrorCode.ROLLOUT_NOT_FOUND, `Rollout "${name}" does not exist`, { details: { rollout: name } });
  return rollout;
}

const afterQuery = (c: Parameters<typeof intQuery>[0]) => {
  const afterSeq = intQuery(c, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER });
  return afterSeq === undefined ? {} : { afterSeq };
};

/** GET /rollouts, /rollouts/{name}, its events and decisions. */
function readRoutes(api: Hono, deps: RolloutRouteDeps): void {
  api.get('/rollouts', async (c) => {
    const service = c.req.query('service');
    const rollouts = await deps.store.rollouts.list(service ? { service } : {});
    return c.json({ items: rollouts.map((r) => rolloutView(r, deps)) });
  });
  api.get('/rollouts/:name', async (c) => {
    const rollout = await getRollout(deps.store, c.req.param('name'));
    const subject = { kind: 'Rollout' as const, name: rollout.name };
    const events = await deps.store.events.list({ subject, excludeTypes: STATUS_EXCLUDED_TYPES, limit: 100_000 });
    return c.json(rolloutView(rollout, { ...deps, events: events.slice(-20) }));
  });
  api.get('/rollouts/:name/events', async (c) => {
    const rollout = await getRollout(deps.store, c.req.param('name'));
    const subject = { kind: 'Rollout' as const, name: rollout.name };
    return c.json({ items: await deps.store.events.list({ subject, excludeTypes: STATUS_EXCLUDED_TYPES, limit: 10_000, ...afterQuery(c) }) });
  });
  api.get('/rollouts/:name/decisions', async (c) => {
    const rollout = await getRollout(deps.store, c.req.param('name'));
    const limit = intQuery(c, 'limit', { min: 1, max: 10_000 }) ?? 1000;
    const subject = { kind: 'Rollout' as const, name: rollout.name };
    return c.json({ decisions: await deps.store.events.list({ subject, types: DECISION_TYPES, limit, ...afterQuery(c) }) });
  });
}

/** POST /rollouts/{name}/promote, abort, approve, reject, pause and resume: each answers the rollout view. */
function commandRoutes(api: Hono, deps: RolloutRouteDeps): void {
  const comment = { type: 'string', maxLength: MAX_COMMENT_LENGTH } as const;
  const run = async (c: Parameters<typeof actorOf>[0], apply: (ctx: CommandContext) => Promise<Rollout>) => {
    const rollout = await apply({ store: deps.store, clock: deps.clock, actor: actorOf(c), source: sourceOf(c), approvalPolicy: deps.approvalPolicy });
    deps.controller.kick();
    return c.json(rolloutView(rollout, deps));
  };
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  api.post('/rollouts/:name/promote', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const body = await readCommandBody(c, { full: 'boolean' });
    return run(c, (ctx) => promoteRollout(ctx, c.req.param('name'), body.full === true));
  });
  api.post('/rollouts/:name/abort', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const body = await readCommandBody(c, { reason: 'string', force: 'boolean' });
    return run(c, (ctx) => abortRollout(ctx, c.req.param('name'), text(body.reason), body.force === true));
  });
  api.post('/rollouts/:name/approve', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const body = await readCommandBody(c, { comment, item: { type: 'string', maxLength: 253, nonEmpty: true } });
    return run(c, (ctx) => approveRollout(ctx, c.req.param('name'), { comment: text(body.comment), item: text(body.item) }));
  });
  api.post('/rollouts/:name/reject', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const body = await readCommandBody(c, { comment });
    return run(c, (ctx) => rejectRollout(ctx, c.req.param('name'), text(body.comment)));
  });
  api.post('/rollouts/:name/pause', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const body = await readCommandBody(c, { reason: 'string' });
    return run(c, (ctx) => pauseRollout(ctx, c.req.param('name'), text(body.reason)));
  });
  api.post('/rollouts/:name/resume', limitBody(MAX_COMMAND_BYTES, deps.log), async (c) => {
    const body = await readCommandBody(c, { comment });
    return run(c, (ctx) => resumeRollout(ctx, c.req.param('name'), text(body.comment)));
  });
}

/** The rollout routes, mounted under /api/v1. Errors propagate to the app's error handler. */
export function rolloutRoutes(deps: RolloutRouteDeps): Hono {
  const api = new Hono();
  readRoutes(api, deps);
  commandRoutes(api, deps);
  return api;
}
