import { ErrorCode, EVENT_SUBJECT_KINDS, EventType, SluiceError, type Problem } from '@sluice/domain';
import type { Context } from 'hono';
import { intQuery } from '../http/request-input.js';
import { cleanAddress } from '../http/request-source.js';
import type { EventFilter } from '../store/store.js';

/** The most events one GET /events answers, and the default. */
export const MAX_EVENT_PAGE = 10_000;
export const DEFAULT_EVENT_PAGE = 1000;
/** Longest service or rollout name a filter may name (a DNS-1123 subdomain), and actor (as x-sluice-actor keeps it). */
const MAX_NAME = 253;
const MAX_ACTOR = 100;
const KNOWN_TYPES: ReadonlySet<string> = new Set(Object.values(EventType));
const SUBJECT_KINDS = EVENT_SUBJECT_KINDS;

function bad(name: string, found: string, expected: string, message = 'invalid value'): SluiceError {
  const problem: Problem = { path: `?${name}`, message, found: found.slice(0, 80), expected };
  return new SluiceError(ErrorCode.INVALID_REQUEST, `Query parameter "${name}" is invalid: expected ${expected}`, { problems: [problem] });
}

function textQuery(c: Context, name: string, max: number): string | undefined {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  if (raw === '' || raw.length > max) throw bad(name, raw, `a non-empty string of at most ${max} characters`, raw === '' ? 'empty' : 'too long');
  return raw;
}

function typesQuery(c: Context): readonly EventType[] | undefined {
  const raw = c.req.query('type');
  if (raw === undefined) return undefined;
  const names = raw.split(',').map((t) => t.trim());
  const expected = `a comma-separated list of event types (${[...KNOWN_TYPES].join(', ')})`;
  if (raw.length > 2000 || names.length > KNOWN_TYPES.size) throw bad('type', raw, expected, 'too long');
  const unknown = names.find((t) => !KNOWN_TYPES.has(t));
  if (unknown !== undefined) throw bad('type', raw, expected, unknown === '' ? 'empty type' : `unknown type "${unknown.slice(0, 40)}"`);
  return names as EventType[];
}

function subjectQuery(c: Context): EventFilter['subject'] {
  const raw = c.req.query('subject');
  if (raw === undefined) return undefined;
  const slash = raw.indexOf('/');
  const kind = raw.slice(0, Math.max(0, slash));
  const name = raw.slice(slash + 1);
  const expected = `Kind/name with Kind one of ${SUBJECT_KINDS.join(', ')} and a name of 1 to ${MAX_NAME} characters, e.g. Rollout/shop-v2`;
  if (slash < 0 || !(SUBJECT_KINDS as readonly string[]).includes(kind) || name === '' || name.length > MAX_NAME) throw bad('subject', raw, expected);
  return { kind: kind as (typeof SUBJECT_KINDS)[number], name };
}

/** `?source=`: an IP address, compared as events record it (lower case, IPv4-mapped IPv6 as IPv4). */
function sourceQuery(c: Context): string | undefined {
  const raw = c.req.query('source');
  if (raw === undefined) return undefined;
  const address = cleanAddress(raw);
  if (address === undefined || address.includes('%')) throw bad('source', raw, 'an IPv4 or IPv6 address, e.g. 203.0.113.7 or 2001:db8::1');
  return address;
}

function orderQuery(c: Context): 'asc' | 'desc' {
  const raw = c.req.query('order');
  if (raw === undefined || raw === 'asc' || raw === 'desc') return raw ?? 'asc';
  throw bad('order', raw, 'asc or desc');
}

/**
 * The filter of GET /events from its query: `after`, `before` (seqs), `limit` (1–10,000, default
 * 1,000), `order` (asc | desc), `service`, `actor` (exact), `source` (client IP address), `type`
 * (comma-separated event types) and `subject` (Kind/name). INVALID_REQUEST names the parameter and what it must be.
 */
export function eventListFilter(c: Context): EventFilter {
  const afterSeq = intQuery(c, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER });
  const beforeSeq = intQuery(c, 'before', { min: 1, max: Number.MAX_SAFE_INTEGER });
  const limit = intQuery(c, 'limit', { min: 1, max: MAX_EVENT_PAGE }) ?? DEFAULT_EVENT_PAGE;
  const service = textQuery(c, 'service', MAX_NAME);
  const actor = textQuery(c, 'actor', MAX_ACTOR);
  const types = typesQuery(c);
  const subject = subjectQuery(c);
  const source = sourceQuery(c);
  return {
    limit,
    order: orderQuery(c),
    ...(afterSeq === undefined ? {} : { afterSeq }),
    ...(beforeSeq === undefined ? {} : { beforeSeq }),
    ...(service === undefined ? {} : { service }),
    ...(actor === undefined ? {} : { actor }),
    ...(source === undefined ? {} : { source }),
    ...(types === undefined ? {} : { types }),
    ...(subject === undefined ? {} : { subject }),
  };
}

/** Where a stream resumes: `Last-Event-ID` (a seq) wins over `?after`; neither: undefined (from now on). */
export function streamStart(c: Context): number | undefined {
  const header = c.req.header('last-event-id');
  if (header !== undefined && header.trim() !== '') {
    const trimmed = header.trim();
    if (!/^\d{1,15}$/.test(trimmed)) {
      throw new SluiceError(ErrorCode.INVALID_REQUEST, 'Header "Last-Event-ID" is invalid: expected the seq of the last event received', {
        problems: [{ path: 'Last-Event-ID', message: 'not a seq', found: trimmed.slice(0, 40), expected: 'an integer ≥ 0 (the id of the last event received)' }],
      });
    }
    return Number(trimmed);
  }
  return intQuery(c, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER });
}
