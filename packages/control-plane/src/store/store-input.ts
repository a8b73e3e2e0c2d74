import { ErrorCode, SluiceError, type Revision } from '@sluice/domain';
import type { EventFilter } from './store.js';

/** Events returned by `events.list` when the filter sets no limit. */
export const DEFAULT_EVENT_LIMIT = 1000;

/** Rejects an expectedVersion no stored record could ever have (a caller bug, not a conflict). */
export function checkExpectedVersion(kind: string, name: string, expectedVersion: number): void {
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
    throw new SluiceError(
      ErrorCode.INTERNAL,
      `Cannot save ${kind} "${name}": expectedVersion must be a non-negative integer (0 = must not exist yet), got ${String(expectedVersion)}`,
      { details: { kind, name, expectedVersion: String(expectedVersion) } },
    );
  }
}

/** The effective limit, seq bounds and order of an event filter, validated. */
export function eventWindow(filter: EventFilter): { limit: number; afterSeq: number | undefined; beforeSeq: number | undefined; desc: boolean } {
  const limit = filter.limit ?? DEFAULT_EVENT_LIMIT;
  checkNonNegativeInteger('limit', limit);
  if (filter.afterSeq !== undefined) checkNonNegativeInteger('afterSeq', filter.afterSeq);
  if (filter.beforeSeq !== undefined) checkNonNegativeInteger('beforeSeq', filter.beforeSeq);
  if (filter.order !== undefined && filter.order !== 'asc' && filter.order !== 'desc') {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `Invalid event filter: order must be asc or desc, got ${String(filter.order)}`, {
      problems: [{ path: 'order', message: 'unknown order', found: String(filter.order), expected: 'asc or desc' }],
    });
  }
  return { limit, afterSeq: filter.afterSeq, beforeSeq: filter.beforeSeq, desc: filter.order === 'desc' };
}

function checkNonNegativeInteger(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SluiceError(
      ErrorCode.INVALID_REQUEST,
      `Invalid event filter: ${field} must be a non-negative integer, got ${String(value)}`,
      { problems: [{ path: field, message: 'must be a non-negative integer', found: String(value), expected: 'an integer ≥ 0' }] },
    );
  }
}

/** Whether an event of `type` passes the filter's `types` / `excludeTypes` (an empty `types` passes nothing). */
export function eventTypeMatches(type: string, filter: EventFilter): boolean {
  if (filter.types !== undefined && !filter.types.some((t) => t === type)) return false;
  return filter.excludeTypes === undefined || !filter.excludeTypes.some((t) => t === type);
}

/** The message stores throw when used after close(). */
export function closedStoreError(kind: string, operation: string): SluiceError {
  return new SluiceError(
    ErrorCode.INTERNAL,
    `Cannot run ${operation}: the ${kind} store is closed; open a new store instead`,
    { details: { kind, operation } },
  );
}

/** Rejects a revision no store could key (a caller bug, not user input). */
export function checkRevision(revision: Revision): void {
  const { service, number } = revision;
  if (typeof service !== 'string' || service === '' || !Number.isSafeInteger(number) || number < 1) {
    throw new SluiceError(
      ErrorCode.INTERNAL,
      `Cannot record a revision: expected a service name and a revision number ≥ 1, got service ${JSON.stringify(service)} and number ${String(number)}`,
      { details: { service: String(service), number: String(number) } },
    );
  }
}

/** The VERSION_CONFLICT of a revision number another writer recorded first. */
export function revisionConflict(service: string, number: number): SluiceError {
  return new SluiceError(
    ErrorCode.VERSION_CONFLICT,
    `Revision ${number} of service "${service}" was recorded by another writer first: re-read the service and retry`,
    { details: { kind: 'Revision', name: service, number } },
  );
}
