import type { RevisionView } from '../api-types.js';
import { renderTable } from './table.js';
import { formatDateTime } from './time.js';

/** "undone-to 1", "promoted", … */
function outcomeText(revision: RevisionView): string {
  return revision.outcome === 'undone-to' && revision.undoneTo !== undefined ? `undone-to ${revision.undoneTo}` : revision.outcome;
}

/** "yes", "-" for the current revision, else "no: why". */
function undoText(revision: RevisionView): string {
  if (revision.current) return '-';
  return revision.undoable ? 'yes' : `no: ${revision.reason ?? 'not available'}`;
}

/**
 * The revisions of a service as `history` prints them, lowest number first: "*" marks the current
 * one; UNDO says whether `sluice undo --to-revision N` may return to it, and why not.
 */
export function revisionsTable(revisions: readonly RevisionView[]): string[] {
  const rows = [...revisions]
    .sort((a, b) => a.number - b.number)
    .map((r) => [r.current ? '*' : '', String(r.number), r.stable, formatDateTime(r.createdAt), r.actor, r.rollout ?? (r.experiment === undefined ? '-' : `experiment/${r.experiment}`), outcomeText(r), undoText(r)]);
  return renderTable(['CURRENT', 'REVISION', 'VERSION', 'CREATED', 'BY', 'ROLLOUT', 'OUTCOME', 'UNDO'], rows);
}
