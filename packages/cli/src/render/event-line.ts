import type { ReleaseEvent } from '@sluice/domain';
import { formatClock, formatDateTime } from './time.js';

/** "Progressing→Paused", "→promote", or "" when the event names no states. */
export function transitionText(event: ReleaseEvent, arrow = '→'): string {
  if (event.from === undefined && event.to === undefined) return '';
  return `${event.from ?? ''}${arrow}${event.to ?? ''}`.trim();
}

/** The cells of one event as `status` shows it: time, actor, type, from→to, reason. */
export function eventCells(event: ReleaseEvent): string[] {
  return [formatClock(event.at), event.actor, event.type, transitionText(event), event.reason];
}

/** One event on one line: "14:03:07 controller PhaseChanged Progressing→Paused Paused at step 2 for 30s". */
export function eventLine(event: ReleaseEvent): string {
  return eventCells(event).filter((cell) => cell !== '').join(' ');
}

/** The cells of one event as `history` shows it: date-time, actor, subject, type, from → to, reason. */
export function historyCells(event: ReleaseEvent): string[] {
  const subject = `${event.subject.kind.toLowerCase()}/${event.subject.name}`;
  return [formatDateTime(event.at), event.actor, subject, event.type, transitionText(event, ' → ') || '-', event.reason];
}
