import type { Phase } from '@sluice/domain';
import type { RolloutView } from './rollout-api';

/** Phases in which the controller still acts on the rollout (docs/api.md). */
const ACTIVE: ReadonlySet<string> = new Set(['Pending', 'Progressing', 'Paused', 'Promoting', 'Aborting']);

export function isActivePhase(phase: Phase): boolean {
  return ACTIVE.has(phase);
}

/** "step 3/7", "all 7 steps done". */
export function stepText(view: RolloutView): string {
  const total = view.steps.length;
  return view.status.stepIndex >= total ? `all ${total} steps done` : `step ${view.status.stepIndex + 1}/${total}`;
}

/** 0.012 → "1.2 %"; undefined → "—". */
export function rate(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const pct = value * 100;
  return `${pct >= 10 || pct === 0 ? pct.toFixed(0) : pct.toFixed(pct >= 1 ? 1 : 2)} %`;
}

/** 12.345 → "12 ms", 0.8 → "0.8 ms". */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ms`;
}

// One formatter each, made once: toLocaleString with options builds a new Intl formatter per call,
// which took most of the Rollout page's first render with 1,000 events and 1,800-point axes.
const INTEGER = new Intl.NumberFormat();
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A number as people read it: at most 4 significant digits. */
export function num(value: number | undefined): string {
  if (value === undefined) return '—';
  return Math.abs(value) >= 1000 || Number.isInteger(value) ? INTEGER.format(Math.round(value)) : Number(value.toPrecision(3)).toString();
}

/** A p-value: "< 0.0001" for tiny ones. */
export function pValue(value: number | undefined): string {
  if (value === undefined) return '—';
  return value < 0.0001 ? '< 0.0001' : value.toFixed(4);
}

/** "12:03:04" for the timeline (the full date is in the title). */
export function clock(at: number): string {
  return CLOCK.format(at);
}
