import { createHmac } from 'node:crypto';
import type { WebhookDelivery, WebhookFormat } from '@sluice/domain';

/** What each event kind is called in messages. */
const TITLES: Readonly<Record<WebhookDelivery['kind'], string>> = {
  started: 'started',
  stepCompleted: 'completed a step',
  paused: 'paused',
  approvalNeeded: 'needs an approval',
  guardFired: 'guard fired',
  rolledBack: 'rolled back',
  succeeded: 'succeeded',
};

/** The body POSTed for a delivery, as JSON text (what is signed is exactly these bytes). */
export function webhookBody(delivery: WebhookDelivery, format: WebhookFormat): string {
  return JSON.stringify(format === 'slack' ? slackBody(delivery) : jsonBody(delivery));
}

function jsonBody(delivery: WebhookDelivery) {
  // The operator's address stays in Sluice's audit log: receivers (chat, ticketing) get who and what, not where from.
  const { source: _source, ...event } = delivery.event as WebhookDelivery['event'] & { source?: string };
  return {
    id: delivery.id,
    webhook: delivery.webhook,
    type: delivery.kind,
    service: event.service,
    ...(event.subject.kind === 'Rollout' ? { rollout: event.subject.name } : {}),
    at: new Date(event.at).toISOString(),
    message: event.reason,
    event,
  };
}

/** Slack's `&`, `<` and `>` are markup; everything else is text. */
const escapeSlack = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function slackBody(delivery: WebhookDelivery) {
  const { event } = delivery;
  const subject = `${event.subject.kind === 'Rollout' ? 'Rollout' : 'Service'} ${event.subject.name}`;
  const text = `[${event.service}] ${subject} ${TITLES[delivery.kind]}: ${event.reason}`;
  return {
    text: escapeSlack(text),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(subject)}* ${TITLES[delivery.kind]}\n${escapeSlack(event.reason)}` } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: escapeSlack(`service ${event.service} · by ${event.actor} · ${new Date(event.at).toISOString()} · event ${event.seq}`) }],
      },
    ],
  };
}

/**
 * The signature header's value: `sha256=` and the hex HMAC-SHA256, keyed with the secret, of
 * `<timestamp>.<raw body>` (the timestamp is x-sluice-timestamp, Unix seconds), as Stripe signs.
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Every header a delivery sends. */
export function webhookHeaders(delivery: WebhookDelivery, secret: string, nowMs: number, body: string): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'sluice-webhooks/1',
    'x-sluice-event': delivery.kind,
    'x-sluice-delivery': delivery.id,
    'x-sluice-timestamp': String(timestamp),
    'x-sluice-signature': webhookSignature(secret, timestamp, body),
  };
}
