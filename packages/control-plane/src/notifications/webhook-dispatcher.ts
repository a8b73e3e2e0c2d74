import { deliveryId, ErrorCode, SluiceError, webhookRetryDelayMs, webhookWants, type Clock, type Webhook, type WebhookDelivery } from '@sluice/domain';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/store.js';
import { webhookBody, webhookHeaders } from './webhook-payload.js';
import type { WebhookSender } from './webhook-sender.js';

/** Runs `run` after `delayMs`; the handle cancels it. Tests pass one they step by hand. */
export interface DispatchScheduler {
  schedule(run: () => void, delayMs: number): { cancel(): void };
}

const TIMER_SCHEDULER: DispatchScheduler = {
  schedule(run, delayMs) {
    const timer = setTimeout(run, delayMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

export interface WebhookDispatcherOptions {
  readonly store: Pick<Store, 'events' | 'webhooks' | 'webhookDeliveries'>;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  /** Where secrets are read (secretFrom.env); process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  readonly log?: Logger | undefined;
  readonly scheduler?: DispatchScheduler | undefined;
  /** In [0, 1): the jitter of retry delays; Math.random by default. */
  readonly random?: (() => number) | undefined;
  /** Time between passes (default 500 ms). */
  readonly pollMs?: number | undefined;
}

/** Events read per batch, and deliveries attempted per pass. */
const EVENT_BATCH = 500;
const DELIVERY_BATCH = 50;
/** Event batches read per pass at most: a long backlog is caught up over several passes. */
const MAX_EVENT_BATCHES = 20;

/**
 * Follows the event log and POSTs each event a Webhook wants. Turning events into deliveries and
 * moving the stored cursor is one write, so a restart neither loses nor repeats an event; a delivery
 * is removed only after its POST was answered 2xx, so a crash in between sends it again with the
 * same x-sluice-delivery id (at least once). A failed attempt is retried after an exponential,
 * jittered delay; after the webhook's maxAttempts (or at once for a refusal) it becomes a dead letter.
 */
export class WebhookDispatcher {
  readonly #o: WebhookDispatcherOptions;
  readonly #scheduler: DispatchScheduler;
  #timer: { cancel(): void } | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  /** Set by stop(): a pass in progress attempts no further delivery. */
  #closing = false;

  constructor(options: WebhookDispatcherOptions) {
    this.#o = options;
    this.#scheduler = options.scheduler ?? TIMER_SCHEDULER;
  }

  /** Starts following the log. On a store that never had a cursor, past events are skipped: webhooks get what happens from now on. */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    const { webhookDeliveries, events } = this.#o.store;
    if ((await webhookDeliveries.cursor()) === 0) {
      const [latest] = await events.list({ order: 'desc', limit: 1 });
      if (latest !== undefined) await webhookDeliveries.enqueue([], latest.seq);
    }
    this.#stopped = false;
    this.#scheduleNext(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#closing = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** One pass now (enqueue new events, then attempt the due deliveries). Passes never overlap. */
  tick(): Promise<void> {
    this.#running ??= this.#pass().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Makes a dead letter pending again, due now with its attempts reset; NOT_FOUND when the webhook has no such dead letter. */
  async retry(webhook: string, id: string): Promise<WebhookDelivery> {
    const found = await this.#o.store.webhookDeliveries.get(id);
    if (found === undefined || found.webhook !== webhook || found.state !== 'dead') {
      throw new SluiceError(ErrorCode.NOT_FOUND, `Webhook "${webhook}" has no dead letter "${id}"`, { details: { webhook, id } });
    }
    // lastError stays until the next attempt replaces it.
    const pending: WebhookDelivery = { ...found, state: 'pending', attempts: 0, nextAttemptAt: this.#o.clock.now() };
    await this.#o.store.webhookDeliveries.update(pending);
    if (!this.#stopped) this.#scheduleNext(0);
    return pending;
  }

  #scheduleNext(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer?.cancel();
    this.#timer = this.#scheduler.schedule(() => {
      this.#timer = undefined;
      void this.tick().finally(() => this.#scheduleNext(this.#o.pollMs ?? 500));
    }, delayMs);
  }

  async #pass(): Promise<void> {
    try {
      const webhooks = new Map((await this.#o.store.webhooks.list()).map((w) => [w.name, w] as const));
      await this.#enqueue(webhooks);
      await this.#deliverDue(webhooks);
    } catch (error) {
      this.#o.log?.error('webhook pass failed', { error: (error as Error).message });
    }
  }

  async #enqueue(webhooks: ReadonlyMap<string, Webhook>): Promise<void> {
    const { events, webhookDeliveries } = this.#o.store;
    for (let batch = 0; batch < MAX_EVENT_BATCHES; batch++) {
      const cursor = await webhookDeliveries.cursor();
      const page = await events.list({ afterSeq: cursor, limit: EVENT_BATCH });
      const last = page.at(-1);
      if (last === undefined) return;
      const now = this.#o.clock.now();
      const deliveries = page.flatMap((event) =>
        [...webhooks.values()].flatMap((w): WebhookDelivery[] => {
          const kind = webhookWants(w.spec, event);
          return kind === undefined ? [] : [{ id: deliveryId(event.seq, w.name), webhook: w.name, kind, event, state: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now }];
        }),
      );
      await webhookDeliveries.enqueue(deliveries, last.seq);
      if (page.length < EVENT_BATCH) return;
    }
  }

  async #deliverDue(webhooks: ReadonlyMap<string, Webhook>): Promise<void> {
    const due = await this.#o.store.webhookDeliveries.due(this.#o.clock.now(), DELIVERY_BATCH);
    for (const delivery of due) {
      if (this.#closing) return;
      await this.#attempt(delivery, webhooks.get(delivery.webhook));
    }
  }

  async #attempt(delivery: WebhookDelivery, webhook: Webhook | undefined): Promise<void> {
    const { store, clock } = this.#o;
    const now = clock.now();
    const outcome = await this.#send(delivery, webhook, now);
    if (outcome.ok) {
      await store.webhookDeliveries.remove(delivery.id);
      return;
    }
    const attempts = delivery.attempts + 1;
    const dead = outcome.permanent || attempts >= (webhook?.spec.maxAttempts ?? 1);
    const nextAttemptAt = dead ? now : now + webhookRetryDelayMs(attempts, (this.#o.random ?? Math.random)());
    await store.webhookDeliveries.update({ ...delivery, attempts, state: dead ? 'dead' : 'pending', nextAttemptAt, lastError: outcome.error, lastAttemptAt: now });
    const fields = { webhook: delivery.webhook, delivery: delivery.id, attempt: attempts, error: outcome.error };
    if (dead) this.#o.log?.warn('webhook delivery failed for good: kept as a dead letter', fields);
    else this.#o.log?.info('webhook delivery failed; will retry', { ...fields, retryInMs: nextAttemptAt - now });
  }

  async #send(delivery: WebhookDelivery, webhook: Webhook | undefined, now: number) {
    if (webhook === undefined) return { ok: false as const, error: `webhook ${delivery.webhook} no longer exists`, permanent: true };
    const variable = webhook.spec.secretFrom.env;
    const secret = (this.#o.env ?? process.env)[variable];
    if (secret === undefined || secret === '') return { ok: false as const, error: `the secret variable ${variable} is not set for the control plane`, permanent: false };
    const body = webhookBody(delivery, webhook.spec.format);
    return this.#o.sender({ url: webhook.spec.url, body, headers: webhookHeaders(delivery, secret, now, body), timeoutMs: webhook.spec.timeoutMs });
  }
}
