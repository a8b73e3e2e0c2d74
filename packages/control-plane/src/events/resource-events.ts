import { EventType, type EventSubjectKind, type NewReleaseEvent } from '@sluice/domain';
import { auditChange } from './audit-change.js';
import { stampEvents, type Stamp } from '../orchestrator/commit.js';

/** A resource's change as apply or a command makes it: what it was (absent: created) and what it is now. */
export interface ResourceChange {
  readonly kind: Exclude<EventSubjectKind, 'Service' | 'Rollout'>;
  readonly name: string;
  readonly before: unknown;
  readonly after: unknown;
  /** "created", "configured", or the command (kill, restore, environment, …). */
  readonly to: string;
  readonly reason: string;
  /** The service the resource belongs to; "" for none. */
  readonly service?: string;
  /** More for `data` (e.g. the flag environment a command changed). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The ResourceChanged event of a person's change to a flag, segment, template, target, webhook or experiment. */
export function resourceChangedEvent(change: ResourceChange, stamp: Stamp): NewReleaseEvent[] {
  const diff = auditChange(change.before, change.after);
  const draft = { type: EventType.ResourceChanged, to: change.to, reason: change.reason, data: { ...diff, ...(change.data ?? {}) } };
  return stampEvents([draft], { kind: change.kind, name: change.name, service: change.service ?? '' }, stamp);
}

/** The event of an apply that created or configured a resource (`existing` undefined: created). */
export function appliedEvent(kind: ResourceChange['kind'], name: string, existing: { readonly spec: unknown } | undefined, spec: unknown, stamp: Stamp): NewReleaseEvent[] {
  const to = existing === undefined ? 'created' : 'configured';
  return resourceChangedEvent({ kind, name, before: existing?.spec, after: spec, to, reason: `${kind} ${name} ${to} by ${stamp.actor}` }, stamp);
}
