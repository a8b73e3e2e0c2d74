import { describeMirror, describeRule, formatDuration, Phase, type ReleaseEvent } from '@sluice/domain';
import type { RolloutView, StepView } from '../api-types.js';
import { eventCells } from './event-line.js';
import { renderTable } from './table.js';
import { formatClock } from './time.js';
import { verificationLines } from './verification-view.js';
import { weightLine } from './weight-bar.js';

const MARKERS: Readonly<Record<StepView['state'], string>> = { done: '✓', current: '▶', pending: '·' };
const EVENTS_SHOWN = 5;

/** ["Step 2/5:", "pause 30s"]; ["Step 5/5:", "all steps done"] once every step has run. */
export function stepParts(view: RolloutView): [string, string] {
  const total = view.steps.length;
  const index = view.status.stepIndex;
  if (total === 0) return ['Step 0/0:', 'no steps'];
  if (index >= total) return [`Step ${total}/${total}:`, 'all steps done'];
  return [`Step ${index + 1}/${total}:`, view.steps[index]?.description ?? 'unknown step'];
}

/** "Step 2/5: pause 30s". */
export function stepLine(view: RolloutView): string {
  return stepParts(view).join(' ');
}

/** "2/5" for tables: the step being run, or N/N when done. */
export function stepFraction(view: RolloutView): string {
  const total = view.steps.length;
  return `${Math.min(view.status.stepIndex + 1, total)}/${total}`;
}

/** What the pause is waiting for, or undefined when the rollout is not paused. */
export function pauseLine(view: RolloutView, now: number): string | undefined {
  const { phase, pauseUntil } = view.status;
  if (pauseUntil !== undefined) {
    const left = pauseUntil - now;
    const when = `at ${formatClock(pauseUntil)}`;
    if (left <= 0) return `ends now (${when})`;
    // Round up so the countdown reads 1s, not 0s, in its last second.
    return `ends in ${formatDuration(Math.ceil(left / 1000) * 1000)} (${when})`;
  }
  if (phase === Phase.Paused) return `until promoted: run \`sluice promote ${view.name}\``;
  return undefined;
}

/** Why an active, unpaused rollout is not moving (a pause has its own line). */
function waitingField(view: RolloutView): [string, string][] {
  const { waitingFor, status } = view;
  if (!waitingFor || status.phase === 'Paused' || waitingFor === status.message) return [];
  return [['Waiting:', waitingFor]];
}

/** The rollout's own match rules (one line each) and its mirror, when it has any. */
function routingFields(view: RolloutView): [string, string][] {
  const rules = view.status.rules ?? [];
  const fields: [string, string][] = rules.map((rule, i) => [i === 0 ? 'Routes:' : '', describeRule(rule)]);
  if (view.status.mirror) fields.push(['Mirror:', describeMirror(view.status.mirror)]);
  return fields;
}

/** The full status screen of one rollout, as lines (no trailing newline). */
export function renderStatus(view: RolloutView, now: number): string[] {
  const { status, spec } = view;
  const phase = status.message ? `${status.phase}: ${status.message}` : status.phase;
  const pause = pauseLine(view, now);
  const fields: [string, string][] = [
    ['Rollout:', view.name],
    ['Service:', spec.service],
    ['Version:', `${status.stable} → ${spec.target}`],
    ['Phase:', phase],
    stepParts(view),
    ['Traffic:', weightLine(spec.target, status.stable, status.canaryWeight)],
    ...routingFields(view),
    ...(pause === undefined ? [] : [['Pause:', pause] as [string, string]]),
    ...waitingField(view),
  ];
  const lines = [...renderTable(undefined, fields), '', 'Steps:'];
  for (const step of view.steps) lines.push(`  ${MARKERS[step.state]} ${step.index + 1}. ${step.description}`);
  lines.push(...verificationLines(status, view.name, view.steps[status.stepIndex]?.kind));
  const events = (view.events ?? []).slice(-EVENTS_SHOWN);
  if (events.length > 0) {
    lines.push('', 'Events:');
    lines.push(...renderTable(undefined, events.map(eventCells)).map((line) => `  ${line}`));
  }
  return lines;
}

/** One plain line for logs: "14:03:07 shop-v2 Paused, step 2/5: pause 30s, [████░…] 20% v2 / 80% v1". */
export function summaryLine(view: RolloutView, now: number): string {
  const step = stepLine(view).replace(/^Step/, 'step');
  const traffic = weightLine(view.spec.target, view.status.stable, view.status.canaryWeight);
  return `${formatClock(now)} ${view.name} ${view.status.phase}, ${step}, ${traffic}`;
}

/** Events newer than `afterSeq`, oldest first. */
export function newEvents(view: RolloutView, afterSeq: number): ReleaseEvent[] {
  return (view.events ?? []).filter((e) => e.seq > afterSeq).sort((a, b) => a.seq - b.seq);
}

/** After promote/abort: "rollout/shop-v2 abort accepted: Aborting (All traffic returns to v1)". */
export function commandResultLine(view: RolloutView, command: string): string {
  const message = view.status.message ? ` (${view.status.message})` : '';
  return `rollout/${view.name} ${command} accepted: ${view.status.phase}${message}`;
}
