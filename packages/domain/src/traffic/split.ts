import { ErrorCode, SluiceError } from '../errors.js';
import type { TrafficSplit } from './route-table.js';

/** Rejects a malformed split (INVALID_REQUEST naming the field) before any data plane sees it. */
export function checkSplit(service: string, split: TrafficSplit): void {
  const fail = (field: string, found: unknown, expected: string): never => {
    throw new SluiceError(
      ErrorCode.INVALID_REQUEST,
      `split for "${service}": ${field} is ${JSON.stringify(found)}; expected ${expected}`,
      { details: { service, field } },
    );
  };
  if (typeof split.stable !== 'string' || split.stable === '') fail('stable', split.stable, 'a version name');
  if (split.canary !== undefined && (typeof split.canary !== 'string' || split.canary === '')) {
    fail('canary', split.canary, 'a version name or nothing');
  }
  if (typeof split.weight !== 'number' || !(split.weight >= 0 && split.weight <= 100)) {
    fail('weight', split.weight, 'a number from 0 to 100');
  }
  if (typeof split.salt !== 'string') fail('salt', split.salt, 'a string');
}

/** A private frozen copy, so a caller mutating its object later cannot change what is served. */
export function copySplit(split: TrafficSplit): TrafficSplit {
  const { stable, canary, weight, salt } = split;
  return Object.freeze(canary === undefined ? { stable, weight, salt } : { stable, canary, weight, salt });
}

/** Field-by-field equality of two splits. */
export function equalSplits(a: TrafficSplit, b: TrafficSplit): boolean {
  return a.stable === b.stable && a.canary === b.canary && a.weight === b.weight && a.salt === b.salt;
}
