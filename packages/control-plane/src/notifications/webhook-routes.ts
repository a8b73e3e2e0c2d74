import { ErrorCode, SluiceError, type Clock, type Webhook } from '@sluice/domain';
import { Hono } from 'hono';
import { resourceChangedEvent } from '../events/resource-events.js';
import { actorOf } from '../http/request-input.js';
import { sourceOf } from '../http/request-source.js';
import { MAX_WEBHOOK_DELIVERIES_PER_LIST, type Store } from '../store/store.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';

export interface WebhookRouteDeps {
  readonly store: Pick<Store, 'webhooks' | 'webhookDeliveries' | 'events'>;
  /** Stamps the audit event of a retry; the system clock when absent. */
  readonly clock?: Clock | undefined;
  /** Retries dead letters. */
  readonly dispatcher: Pick<WebhookDispatcher, 'retry'>;
  /** Where secrets are looked up, to say whether one is set (never its value); process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** The URL as shown: its query and fragment (which may carry tokens) are left out. */
export function shownUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}${u.search === '' ? '' : '?…'}`;
}

/** GET /webhooks, /webhooks/{name}, /webhooks/{name}/dead-letters and POST …/dead-letters/{id}/retry, under /api/v1. */
export function webhookRoutes(deps: WebhookRouteDeps): Hono {
  const api = new Hono();
  const env = () => deps.env ?? process.env;
  const view = async (w: Webhook) => ({
    name: w.name,
    version: w.version,
    spec: { ...w.spec, url: shownUrl(w.spec.url) },
    secretSet: (env()[w.spec.secretFrom.env] ?? '') !== '',
    deadLetters: (await deps.store.webhookDeliveries.deadLetters(w.name, MAX_WEBHOOK_DELIVERIES_PER_LIST)).length,
  });
  const find = async (name: string) => {
    const webhook = await deps.store.webhooks.get(name);
    if (!webhook) throw new SluiceError(ErrorCode.NOT_FOUND, `Webhook "${name}" does not exist; GET /api/v1/webhooks lists them`, { details: { webhook: name } });
    return webhook;
  };
  api.get('/webhooks', async (c) => c.json({ items: await Promise.all((await deps.store.webhooks.list()).map(view)) }));
  api.get('/webhooks/:name', async (c) => c.json(await view(await find(c.req.param('name')))));
  api.get('/webhooks/:name/dead-letters', async (c) => {
    const webhook = await find(c.req.param('name'));
    return c.json({ items: await deps.store.webhookDeliveries.deadLetters(webhook.name, MAX_WEBHOOK_DELIVERIES_PER_LIST) });
  });
  api.post('/webhooks/:name/dead-letters/:id/retry', async (c) => {
    const webhook = await find(c.req.param('name'));
    const id = c.req.param('id');
    if (id.length > 200) throw new SluiceError(ErrorCode.NOT_FOUND, `Webhook "${webhook.name}" has no dead letter with an id that long`, { details: { webhook: webhook.name } });
    const retried = await deps.dispatcher.retry(webhook.name, id);
    const stamp = { actor: actorOf(c), at: deps.clock?.now() ?? Date.now(), source: sourceOf(c) };
    const change = { kind: 'Webhook' as const, name: webhook.name, before: { state: 'dead' }, after: { state: retried.state }, to: 'retry', reason: `Dead letter ${id} of webhook ${webhook.name} retried by ${stamp.actor}`, data: { delivery: id } };
    await deps.store.events.append(resourceChangedEvent(change, stamp));
    return c.json(retried, 202);
  });
  return api;
}
