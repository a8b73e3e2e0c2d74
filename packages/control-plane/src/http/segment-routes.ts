import { ErrorCode, SluiceError } from '@sluice/domain';
import { Hono } from 'hono';
import type { Store } from '../store/store.js';
import { segmentView } from './views.js';

/** GET /segments and /segments/{name}, mounted under /api/v1. Errors propagate to the app's error handler. */
export function segmentRoutes(store: Store): Hono {
  const api = new Hono();
  const context = async () => ({ services: await store.services.list(), activeRollouts: await store.rollouts.list({ activeOnly: true }) });
  api.get('/segments', async (c) => {
    const [segments, ctx] = await Promise.all([store.segments.list(), context()]);
    return c.json({ items: segments.map((s) => segmentView(s, ctx)) });
  });
  api.get('/segments/:name', async (c) => {
    const name = c.req.param('name');
    const segment = await store.segments.get(name);
    if (!segment) {
      throw new SluiceError(ErrorCode.NOT_FOUND, `Segment "${name}" does not exist; \`sluice get segments\` lists them`, { details: { segment: name } });
    }
    return c.json(segmentView(segment, await context()));
  });
  return api;
}
