import type { AnalysisRunState, ChecklistItemState, RolloutStatus } from '@sluice/domain';
import { renderTable } from './table.js';
import { formatClock } from './time.js';

const ITEM_MARKERS: Readonly<Record<ChecklistItemState['phase'], string>> = {
  passed: '✓',
  failed: '✗',
  verifying: '▶',
  'awaiting-person': '?',
  pending: '·',
};

function analysisLines(title: string, run: AnalysisRunState): string[] {
  const rows = Object.entries(run.metrics).map(([key, m]) => {
    const g = m.gate;
    const waiting = (g.pending ?? 0) > 0 ? `, ${g.pending} too small to judge yet` : '';
    const counts = `${g.measurements} measured: ${g.passes} passed, ${g.failures} failed, ${g.inconclusives} inconclusive, ${g.errors} errors${waiting}`;
    return [key, g.status, counts];
  });
  return [`${title} (${run.status}):`, ...renderTable(undefined, rows).map((line) => `  ${line}`)];
}

function checklistLines(items: readonly ChecklistItemState[]): string[] {
  const rows = items.map((i) => [`${ITEM_MARKERS[i.phase]} ${i.name}`, i.phase, i.confirmed ? `confirmed by ${i.confirmed.by}` : (i.detail ?? '')]);
  return ['Checklist:', ...renderTable(undefined, rows).map((line) => `  ${line}`)];
}

/**
 * What the current step's verification has gathered so far — each analysis gate with its counts, the
 * checklist items, the approval, the load totals — and the background analysis. Empty when there is none.
 */
export function verificationLines(status: RolloutStatus, rollout: string, currentKind: string | undefined): string[] {
  const lines: string[] = [];
  if (status.hold?.source === 'manual') lines.push('', `Paused by a person: ${status.hold.reason} — \`sluice resume ${rollout}\` goes on, \`sluice abort ${rollout}\` rolls back`);
  else if (status.hold) lines.push('', `Held for a person: ${status.hold.reason} — \`sluice promote ${rollout}\` goes on, \`sluice abort ${rollout}\` rolls back`);
  const state = status.stepState?.stepIndex === status.stepIndex ? status.stepState : undefined;
  if (state?.analysis) lines.push('', ...analysisLines('Analysis', state.analysis));
  if (state?.checklist) lines.push('', ...checklistLines(state.checklist));
  if (state?.approval) {
    const comment = state.approval.comment === undefined ? '' : `: ${state.approval.comment}`;
    lines.push('', `Approval: approved by ${state.approval.by} at ${formatClock(state.approval.at)}${comment}`);
  } else if (currentKind === 'approval' && status.phase !== 'Aborting') {
    lines.push('', `Approval: waiting — \`sluice approve ${rollout}\` or \`sluice reject ${rollout}\``);
  }
  if (state?.load) {
    const totals = state.load.sent === undefined ? 'running' : `${state.load.sent} sent, ${state.load.errors ?? 0} errors`;
    lines.push('', `Load: started ${formatClock(state.load.startedAt)}, ${totals}`);
  }
  if (status.background) lines.push('', ...analysisLines('Background analysis', status.background));
  lines.push(...guardLines(status));
  const checks = status.rollbackChecks ?? [];
  if (checks.length > 0) lines.push('', `Rollback verifications: ${checks.map((c) => `${c.item} ${c.phase}`).join(', ')}`);
  return lines;
}

/** The guardian: what it watches, its breaches, and the exposure so far. */
function guardLines(status: RolloutStatus): string[] {
  const guard = status.guard;
  const ponr = status.pointOfNoReturn;
  const irreversible = ponr === undefined ? [] : ['', `Point of no return: passed at step ${ponr.step + 1} (${ponr.reason}): failures hold for a person instead of rolling back`];
  if (guard === undefined) return irreversible;
  const breaches = Object.entries(guard.breaches);
  const watching = guard.conditions.filter((c) => guard.breaches[c.name] === undefined).map((c) => c.name);
  const lines = [...irreversible, '', `Guard: watching ${watching.length === 0 ? 'nothing' : watching.join(', ')} since ${formatClock(guard.startedAt)}`];
  for (const [name, b] of breaches) lines.push(`  ✗ ${name} breached at ${formatClock(b.at)} (${b.action}): ${b.reason}`);
  const e = status.exposure;
  if (e !== undefined) {
    const users = `${e.distinctKeys} distinct sticky key${e.distinctKeys === 1 ? '' : 's'}`;
    lines.push(`Exposure: ${e.requests} requests (${e.failedRequests} failed), ${users}, ${e.trafficMinutes.toFixed(3)} traffic-minutes${status.verified ? ', verified by analysis' : ''}`);
  }
  return lines;
}
