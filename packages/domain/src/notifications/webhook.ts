import { EventType, type ReleaseEvent } from '../events/release-event.js';

/** What a Webhook may subscribe to; each maps to the release events that mean it (webhookEventOf). */
export const WEBHOOK_EVENTS = ['started', 'stepCompleted', 'paused', 'approvalNeeded', 'guardFired', 'rolledBack', 'succeeded'] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;
export const MAX_WEBHOOK_TIMEOUT_MS = 60_000;
export const DEFAULT_WEBHOOK_MAX_ATTEMPTS = 5;
export const MAX_WEBHOOK_MAX_ATTEMPTS = 20;

/** A Webhook resource as apply normalised it. The secret itself is never part of it: only the variable naming it. */
export interface WebhookSpec {
  /** An absolute http(s) URL. */
  readonly url: string;
  /** At least one, each once. */
  readonly events: readonly WebhookEventName[];
  /** Only events of these services; every service when absent. */
  readonly services?: readonly string[];
  readonly format: WebhookFormat;
  /** The environment variable of the control plane holding the HMAC secret. */
  readonly secretFrom: { readonly env: string };
  readonly timeoutMs: number;
  readonly maxAttempts: number;
}

export interface Webhook {
  readonly name: string;
  readonly spec: WebhookSpec;
  /** Optimistic-concurrency version; 0 before the first save. */
  readonly version: number;
}

/** Kinds of steps that wait for a person's approval once started. */
const APPROVAL_STEP_KINDS = new Set(['approval', 'migrationContract']);

/** The webhook event a release event means, if any. */
export function webhookEventOf(event: ReleaseEvent): WebhookEventName | undefined {
  switch (event.type) {
    case EventType.StepCompleted:
      return 'stepCompleted';
    case EventType.GuardBreached:
      return 'guardFired';
    case EventType.StepStarted:
      return APPROVAL_STEP_KINDS.has(String(event.data?.['kind'])) ? 'approvalNeeded' : undefined;
    case EventType.ChecklistItemChanged:
      return event.to === 'awaiting-person' ? 'approvalNeeded' : undefined;
    case EventType.PhaseChanged:
      return phaseEventOf(event);
    default:
      return undefined;
  }
}

function phaseEventOf(event: ReleaseEvent): WebhookEventName | undefined {
  if (event.subject.kind !== 'Rollout') return undefined;
  if (event.from === 'Pending' && event.to === 'Progressing') return 'started';
  if (event.to === 'Paused') return 'paused';
  if (event.to === 'Aborted' || event.to === 'Failed') return 'rolledBack';
  if (event.to === 'Succeeded') return 'succeeded';
  return undefined;
}

/** Whether a webhook wants this event: its kind is subscribed and its service is in the filter (if any). */
export function webhookWants(spec: WebhookSpec, event: ReleaseEvent): WebhookEventName | undefined {
  const kind = webhookEventOf(event);
  if (kind === undefined || !spec.events.includes(kind)) return undefined;
  if (spec.services !== undefined && !spec.services.includes(event.service)) return undefined;
  return kind;
}

/** One event to deliver to one webhook; `dead` once it used up its attempts (a dead letter). */
export interface WebhookDelivery {
  /** `<event seq>-<webhook>`: the same for every attempt, so receivers can drop repeats. */
  readonly id: string;
  readonly webhook: string;
  readonly kind: WebhookEventName;
  readonly event: ReleaseEvent;
  readonly state: 'pending' | 'dead';
  /** Attempts made so far. */
  readonly attempts: number;
  /** When the next attempt is due (ms since the epoch). */
  readonly nextAttemptAt: number;
  readonly createdAt: number;
  /** What went wrong on the last attempt (a status or a network error), never a secret. */
  readonly lastError?: string;
  readonly lastAttemptAt?: number;
}

export function deliveryId(seq: number, webhook: string): string {
  return `${seq}-${webhook}`;
}

const BASE_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;

/**
 * Delay before attempt `attempts + 1` after `attempts` failed ones: exponential (1 s, 2 s, 4 s, … at
 * most 5 min) with "equal jitter": half of it fixed, half random (`random` in [0, 1)).
 */
export function webhookRetryDelayMs(attempts: number, random: number): number {
  const full = Math.min(MAX_RETRY_MS, BASE_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(full / 2 + (full / 2) * Math.min(Math.max(random, 0), 1));
}
