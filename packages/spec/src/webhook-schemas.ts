import { MAX_WEBHOOK_MAX_ATTEMPTS, MAX_WEBHOOK_TIMEOUT_MS, WEBHOOK_EVENTS, WEBHOOK_FORMATS } from '@sluice/domain';
import { z } from 'zod';
import { DNS_LABEL, duration, hint, HTTP_URL_PATTERN, name, portInRange } from './schema-hints.js';

/**
 * The Webhook spec as written: where to POST which rollout events, in which format, signed with a
 * secret read from the control plane's environment (the variable must be set: apply checks it).
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const unique = (list: readonly string[]) => new Set(list).size === list.length;

export const webhookSpec = z.strictObject({
  url: hint(
    z.string().max(2048).regex(HTTP_URL_PATTERN).refine(portInRange(HTTP_URL_PATTERN, 3)),
    'an absolute http(s) URL without user or password, at most 2048 characters, e.g. https://hooks.example.com/sluice',
    'invalid webhook URL',
  ),
  events: hint(
    z
      .array(hint(z.enum(WEBHOOK_EVENTS), `one of ${WEBHOOK_EVENTS.join(', ')}`, 'unknown webhook event'))
      .min(1)
      .max(WEBHOOK_EVENTS.length)
      .refine(unique, { params: { message: 'an event is listed twice' } }),
    `a list of 1 to ${WEBHOOK_EVENTS.length} distinct events of: ${WEBHOOK_EVENTS.join(', ')}`,
    'wrong number of events',
  ),
  services: hint(
    z.array(hint(name, `a Service name (${DNS_LABEL})`, 'invalid service name')).min(1).max(100).refine(unique, { params: { message: 'a service is listed twice' } }),
    'a list of 1 to 100 distinct Service names (events of other services are not sent)',
    'wrong number of services',
  ).optional(),
  format: hint(z.enum(WEBHOOK_FORMATS), `one of ${WEBHOOK_FORMATS.join(', ')} (default json)`, 'unknown format').optional(),
  secretFrom: hint(
    z.strictObject({
      env: hint(z.string().max(256).regex(ENV_NAME), 'an environment variable name (letters, digits, "_") set for the control plane', 'invalid environment variable name'),
    }),
    'a map with env: the control plane\'s environment variable holding the signing secret',
  ),
  timeout: duration(100, MAX_WEBHOOK_TIMEOUT_MS).optional(),
  maxAttempts: hint(z.int().min(1).max(MAX_WEBHOOK_MAX_ATTEMPTS), `an integer from 1 to ${MAX_WEBHOOK_MAX_ATTEMPTS}`, 'maxAttempts out of range').optional(),
});
