import { ErrorCode, SluiceError } from '@sluice/domain';
import { Hono } from 'hono';
import type { Store } from '../store/store.js';
import { analysisTemplateView } from './views.js';

/** GET /analysistemplates and /analysistemplates/{name}, mounted under /api/v1. Errors propagate to the app's error handler. */
export function analysisTemplateRoutes(store: Store): Hono {
  const api = new Hono();
  const context = async () => ({ activeRollouts: await store.rollouts.list({ activeOnly: true }) });
  api.get('/analysistemplates', async (c) => {
    const [templates, ctx] = await Promise.all([store.analysisTemplates.list(), context()]);
    return c.json({ items: templates.map((t) => analysisTemplateView(t, ctx)) });
  });
  api.get('/analysistemplates/:name', async (c) => {
    const name = c.req.param('name');
    const template = await store.analysisTemplates.get(name);
    if (!template) {
      throw new SluiceError(
        ErrorCode.NOT_FOUND,
        `Analysis template "${name}" does not exist; \`sluice get analysistemplates\` lists them`,
        { details: { analysisTemplate: name } },
      );
    }
    return c.json(analysisTemplateView(template, await context()));
  });
  return api;
}
