import { blueGreenColors, describeMirror, describeRule, formatDuration, Phase, type BlueGreenColors, type ReleaseEvent } from '@sluice/domain';
import { migrationFields } from './migration-view.js';
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
  // A person's pause: nothing ends on its own while it stands (a pause step's timer waits too).
  if (view.status.hold?.source === 'manual') return `by a person: run \`sluice resume ${view.name}\``;
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

/** "Blue-green: blue v1 live; green v2 waiting for the switch, preview on header x-preview = 1". */
function blueGreenField(view: RolloutView): [string, string][] {
  const colors = blueGreenOf(view);
  return colors === undefined ? [] : [['Blue-green:', colors.summary]];
}

/** The rollout's own match rules (one line each) and its mirror, when it has any. */
function routingFields(view: RolloutView): [string, string][] {
  const rules = view.status.rules ?? [];
  const fields: [string, string][] = rules.map((rule, i) => [i === 0 ? 'Routes:' : '', describeRule(rule)]);
  if (view.status.mirror) fields.push(['Mirror:', describeMirror(view.status.mirror)]);
  return fields;
}

/** Which color serves users, for a blue-green rollout; undefined for any other strategy. */
export function blueGreenOf(view: RolloutView): BlueGreenColors | undefined {
  const { strategy, target } = view.spec;
  return strategy.kind === 'blueGreen' ? blueGreenColors(strategy, target, view.status) : undefined;
}

/** Waves: each target's wave, phase and weight ("eu-1 wave 1 Done 100% · eu-2 wave 2 Progressing 50% · us-1 wave 3 Pending 0%"). */
function targetsField(view: RolloutView): [string, string][] {
  const targets = Object.entries(view.status.targets ?? {});
  if (targets.length === 0) return [];
  const wave = view.status.wave === undefined ? '' : `wave ${view.status.wave + 1} running; `;
  return [['Targets:', `${wave}${targets.map(([name, t]) => `${name} wave ${t.wave + 1} ${t.phase} ${t.weight}%`).join(' · ')}`]];
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
    ...blueGreenField(view),
    ['Phase:', phase],
    stepParts(view),
    ['Traffic:', weightLine(spec.target, status.stable, status.canaryWeight)],
    ...targetsField(view),
    ...migrationFields(view, now),
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

/** One plain line for logs: "14:03:07 shop-v2 Paused, step 2/5: pause 30s, [████░…] 20% v2 / 80% v1" (", blue v1 live" for blue-green). */
export function summaryLine(view: RolloutView, now: number): string {
  const step = stepLine(view).replace(/^Step/, 'step');
  const traffic = weightLine(view.spec.target, view.status.stable, view.status.canaryWeight);
  const colors = blueGreenOf(view);
  const live = colors === undefined ? '' : `, ${colors.live} ${colors[colors.live]} live${colors.switching ? ' (switching)' : ''}`;
  return `${formatClock(now)} ${view.name} ${view.status.phase}, ${step}, ${traffic}${live}`;
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
