import { DEFAULT_WEBHOOK_MAX_ATTEMPTS, DEFAULT_WEBHOOK_TIMEOUT_MS, type WebhookSpec } from '@sluice/domain';
import type { z } from 'zod';
import { ms } from './analysis-to-domain.js';
import type { webhookSpec } from './webhook-schemas.js';

type RawWebhook = z.output<typeof webhookSpec>;

/** A validated Webhook spec with its defaults: format json, timeout 5s, 5 attempts. */
export function toWebhookSpec(raw: RawWebhook): WebhookSpec {
  return {
    url: raw.url,
    events: [...raw.events],
    ...(raw.services === undefined ? {} : { services: [...raw.services] }),
    format: raw.format ?? 'json',
    secretFrom: { env: raw.secretFrom.env },
    timeoutMs: raw.timeout === undefined ? DEFAULT_WEBHOOK_TIMEOUT_MS : ms(raw.timeout),
    maxAttempts: raw.maxAttempts ?? DEFAULT_WEBHOOK_MAX_ATTEMPTS,
  };
}
