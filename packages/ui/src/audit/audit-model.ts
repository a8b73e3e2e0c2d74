import type { EventType } from '@sluice/domain';
import type { ApiClient } from '../api/client';
import type { AuditEvent } from './event-table';

/** Events per page ("older" loads the next). */
export const PAGE_SIZE = 50;

/** The event types of docs/api.md, for the type filter. */
export const EVENT_TYPES = [
  'ServiceCreated',
  'ServiceUpdated',
  'RolloutCreated',
  'PhaseChanged',
  'StepStarted',
  'StepCompleted',
  'WeightChanged',
  'StableChanged',
  'CommandAccepted',
  'RouteChanged',
  'MirrorChanged',
  'AnalysisMeasured',
  'AnalysisDecided',
  'ChecklistItemChanged',
  'ApprovalRecorded',
  'GuardBreached',
  'RollbackProgressed',
  'LoadFinished',
  'WorkloadChanged',
  'MigrationChanged',
  'ResourceChanged',
] as const satisfies readonly EventType[];

/** The audit log's filters, as the URL keeps them: `?service=&actor=&source=IP&type=A,B&subject=Kind/name`. Empty = any. */
export interface AuditFilter {
  readonly service: string;
  readonly actor: string;
  /** The client IP address of the actions. */
  readonly source: string;
  readonly type: string;
  readonly subject: string;
}

const KEYS = ['service', 'actor', 'source', 'type', 'subject'] as const;

export const NO_AUDIT_FILTER: AuditFilter = { service: '', actor: '', source: '', type: '', subject: '' };

export function auditFilterFromQuery(query: URLSearchParams): AuditFilter {
  const get = (k: string) => (query.get(k) ?? '').trim();
  return { service: get('service'), actor: get('actor'), source: get('source'), type: get('type'), subject: get('subject') };
}

export function auditFilterToQuery(filter: AuditFilter): Record<string, string | undefined> {
  return Object.fromEntries(KEYS.map((k) => [k, filter[k].trim() === '' ? undefined : filter[k].trim()]));
}

/** Whether an event passes the filters, as GET /events applies them (for the events the stream sends). */
export function matchesAudit(event: AuditEvent, filter: AuditFilter): boolean {
  if (filter.service !== '' && event.service !== filter.service) return false;
  if (filter.actor !== '' && event.actor !== filter.actor) return false;
  if (filter.source !== '' && event.source !== filter.source.toLowerCase()) return false;
  if (filter.type !== '' && !filter.type.split(',').map((t) => t.trim()).includes(event.type)) return false;
  if (filter.subject !== '' && (event.subject === undefined || `${event.subject.kind}/${event.subject.name}` !== filter.subject)) return false;
  return true;
}

export interface AuditPage {
  /** Newest first. */
  readonly items: readonly AuditEvent[];
  /** Whether older events may exist. */
  readonly more: boolean;
}

/** One page of the audit log: the events passing `filter`, newest first, older than `before` (the server filters and orders). */
export async function loadAuditPage(api: ApiClient, filter: AuditFilter, before?: number): Promise<AuditPage> {
  const items = await api.events({ ...auditFilterToQuery(filter), order: 'desc', limit: PAGE_SIZE, before });
  return { items, more: items.length === PAGE_SIZE };
}

/** Events by seq, newest first, each once. */
export function mergeEvents(...lists: readonly (readonly AuditEvent[])[]): AuditEvent[] {
  const bySeq = new Map<number, AuditEvent>();
  for (const list of lists) for (const e of list) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq);
}
