import { EventType, type EventDraft } from '../events/release-event.js';
import { matchesSelector, servesService, type Target } from './target.js';
import type { TargetStep, Wave, WavesSpec } from './waves.js';

/**
 * The progression of targets through their wave, as pure functions of the stored status: which
 * targets each wave runs on, and — given what each target's data plane serves and the time — what
 * changes next. The wave step executor (control plane) only observes and commits.
 */

export type TargetPhase = 'Pending' | 'Progressing' | 'Done';

/** One target's place in a waves rollout (`status.targets[name]`). */
export interface TargetProgress {
  /** 0-based index of the wave that selected the target. */
  readonly wave: number;
  /** Index into the wave's steps; equals their count once done. */
  readonly stepIndex: number;
  /** Percent of this target's traffic the controller wants on the rollout's target version. */
  readonly weight: number;
  readonly phase: TargetPhase;
  /** Set while the target is in a timed pause: when it ends (stored, not a timer). */
  readonly pauseUntil?: number;
}

export type TargetsProgress = Readonly<Record<string, TargetProgress>>;

/**
 * Which wave runs each target that serves `service`: the first wave whose selector matches it (a
 * target selected by an earlier wave is not selected again). Targets no wave selects are absent: they
 * move with the promotion, like the service's own listener.
 */
export function assignTargets(spec: WavesSpec, service: string, targets: readonly Target[]): Record<string, TargetProgress> {
  const assigned: Record<string, TargetProgress> = {};
  for (const target of [...targets].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!servesService(target.spec, service)) continue;
    const wave = spec.waves.findIndex((w) => matchesSelector(target.spec.labels, w.selector));
    if (wave >= 0) assigned[target.name] = { wave, stepIndex: 0, weight: 0, phase: 'Pending' };
  }
  return assigned;
}

/** The names of the targets of wave `wave`, sorted. */
export function waveMembers(targets: TargetsProgress, wave: number): string[] {
  return Object.keys(targets)
    .filter((name) => targets[name]?.wave === wave)
    .sort();
}

export interface WaveInput {
  readonly spec: WavesSpec;
  /** The wave being run. */
  readonly wave: number;
  /** The rollout's target version (for messages). */
  readonly version: string;
  readonly targets: TargetsProgress;
  /** The wave the rollout last started (status.wave). */
  readonly currentWave: number | undefined;
  /** Per target: the weight on the target version its data plane reports serving (absent: unknown). */
  readonly serving: Readonly<Record<string, number | undefined>>;
  readonly now: number;
}

export type WaveDecision =
  /** Record these targets (and the current wave), with the events; then decide again. */
  | { readonly kind: 'update'; readonly targets: TargetsProgress; readonly wave: number; readonly events: readonly EventDraft[]; readonly message: string }
  | { readonly kind: 'wait'; readonly why: string; readonly until?: number }
  | { readonly kind: 'done'; readonly why: string };

interface TargetMove {
  readonly progress: TargetProgress;
  readonly events: EventDraft[];
  readonly wait?: { readonly why: string; readonly until?: number };
}

function stepDone(progress: TargetProgress): TargetProgress {
  const { pauseUntil: _pauseUntil, ...rest } = progress;
  return { ...rest, stepIndex: progress.stepIndex + 1 };
}

/** One step of one target: record a weight, start or end a pause, or wait for its data plane. */
function moveOnce(name: string, step: TargetStep, progress: TargetProgress, input: WaveInput): TargetMove & { readonly stop: boolean } {
  if (step.kind === 'setWeight') {
    if (progress.weight !== step.weight) {
      const reason = `Target ${name}: ${input.version} weight ${progress.weight}% → ${step.weight}%`;
      const event: EventDraft = { type: EventType.WeightChanged, from: `${progress.weight}`, to: `${step.weight}`, reason, data: { target: name, wave: progress.wave } };
      return { progress: { ...progress, weight: step.weight }, events: [event], stop: true };
    }
    if (input.serving[name] === step.weight) return { progress: stepDone(progress), events: [], stop: false };
    return { progress, events: [], wait: { why: `Waiting for target ${name} to serve ${step.weight}% on ${input.version}` }, stop: true };
  }
  if (progress.pauseUntil === undefined) return { progress: { ...progress, pauseUntil: input.now + step.durationMs }, events: [], stop: true };
  if (input.now >= progress.pauseUntil) return { progress: stepDone(progress), events: [], stop: false };
  return { progress, events: [], wait: { why: `Target ${name} paused`, until: progress.pauseUntil }, stop: true };
}

/** Runs a progressing target's steps as far as they go without waiting for the data plane or the clock. */
function moveTarget(name: string, wave: Wave, start: TargetProgress, input: WaveInput): TargetMove {
  let progress = start;
  const events: EventDraft[] = [];
  for (let i = 0; i <= wave.steps.length; i++) {
    const step = wave.steps[progress.stepIndex];
    if (step === undefined) {
      const reason = `Target ${name} finished wave ${progress.wave + 1} (${wave.name}) at ${progress.weight}% on ${input.version}`;
      events.push({ type: EventType.StepCompleted, from: `wave ${progress.wave + 1}`, to: name, reason, data: { target: name, wave: progress.wave, kind: 'target' } });
      return { progress: { ...progress, phase: 'Done' }, events };
    }
    const moved = moveOnce(name, step, progress, input);
    progress = moved.progress;
    events.push(...moved.events);
    if (moved.stop) return { progress, events, ...(moved.wait === undefined ? {} : { wait: moved.wait }) };
  }
  return { progress, events };
}

function waveStarted(input: WaveInput, wave: Wave, members: readonly string[]): WaveDecision {
  const of = `${input.wave + 1}/${input.spec.waves.length}`;
  const on = members.length === 0 ? 'no target selected' : members.join(', ');
  const limit = wave.maxConcurrent === undefined ? '' : ` (at most ${wave.maxConcurrent} at a time)`;
  const reason = `Wave ${of} (${wave.name}) started on ${on}${limit}`;
  const event: EventDraft = { type: EventType.StepStarted, from: `${input.currentWave === undefined ? 0 : input.currentWave + 1}`, to: `wave ${input.wave + 1}`, reason, data: { kind: 'wave', wave: input.wave, name: wave.name, targets: members } };
  return { kind: 'update', targets: input.targets, wave: input.wave, events: [event], message: reason };
}

/**
 * What happens next in wave `input.wave`: start it (an event naming its targets), move each running
 * target along its steps, start pending targets while fewer than `maxConcurrent` run, and report the
 * wave done once every target of it is. Pure: the same input always gives the same decision.
 */
export function advanceWave(input: WaveInput): WaveDecision {
  const wave = input.spec.waves[input.wave];
  if (wave === undefined) return { kind: 'done', why: `no wave ${input.wave + 1}` };
  const members = waveMembers(input.targets, input.wave);
  if (input.currentWave !== input.wave) return waveStarted(input, wave, members);
  const next: Record<string, TargetProgress> = { ...input.targets };
  const events: EventDraft[] = [];
  const waits: { why: string; until?: number }[] = [];
  for (const name of members) {
    const progress = next[name];
    if (progress?.phase !== 'Progressing') continue;
    const moved = moveTarget(name, wave, progress, input);
    next[name] = moved.progress;
    events.push(...moved.events);
    if (moved.wait !== undefined) waits.push(moved.wait);
  }
  const running = members.filter((m) => next[m]?.phase === 'Progressing').length;
  const slots = Math.max(0, (wave.maxConcurrent ?? members.length) - running);
  for (const name of members.filter((m) => next[m]?.phase === 'Pending').slice(0, slots)) {
    const progress = next[name];
    if (progress === undefined) continue;
    next[name] = { ...progress, phase: 'Progressing' };
    events.push({ type: EventType.StepStarted, from: `wave ${input.wave + 1}`, to: name, reason: `Target ${name} started wave ${input.wave + 1} (${wave.name})`, data: { target: name, wave: input.wave, kind: 'target' } });
  }
  if (JSON.stringify(next) !== JSON.stringify(input.targets)) {
    return { kind: 'update', targets: next, wave: input.wave, events, message: events.at(-1)?.reason ?? `Wave ${input.wave + 1} (${wave.name}) progressing` };
  }
  if (members.every((m) => next[m]?.phase === 'Done')) {
    return { kind: 'done', why: `wave ${input.wave + 1} (${wave.name}) done on ${members.length === 0 ? 'no target' : members.join(', ')}` };
  }
  const untils = waits.flatMap((w) => (w.until === undefined ? [] : [w.until]));
  const first = waits[0]?.why ?? `Waiting for the targets of wave ${input.wave + 1}`;
  return untils.length > 0 ? { kind: 'wait', why: first, until: Math.min(...untils) } : { kind: 'wait', why: first };
}

/** True when some target of the rollout has been sent traffic (a weight above 0). */
export function anyTargetExposed(targets: TargetsProgress | undefined): boolean {
  return Object.values(targets ?? {}).some((t) => t.weight > 0);
}

/** The targets a rollback must return to stable: every one that started, in wave order then by name. */
export function touchedTargets(targets: TargetsProgress | undefined): string[] {
  return Object.entries(targets ?? {})
    .filter(([, t]) => t.phase !== 'Pending')
    .sort(([an, a], [bn, b]) => a.wave - b.wave || (an < bn ? -1 : an > bn ? 1 : 0))
    .map(([name]) => name);
}
