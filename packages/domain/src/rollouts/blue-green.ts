import { formatDuration } from '../duration.js';
import type { ConditionSpec } from '../traffic/routing.js';
import { Phase } from './phase.js';
import { describeStep, type AnalysisStep, type Step } from './step.js';
import { wavesStageLabel, type WavesSpec } from '../waves/waves.js';

/**
 * Blue-green (Argo Rollouts' blueGreen strategy) as a preset of steps on the same state machine as a
 * canary: blue is the stable version, green the target. Both run in full; a preview route reaches
 * green before the switch, an analysis may judge the preview traffic, the switch moves 100 % at once
 * (completing only when the data plane reports it serves it), an analysis may judge green after the
 * switch, and any failure aborts through the rollback plan, which returns 100 % to blue — after the
 * switch, that is the switch back.
 */

/** Requests carrying this header or cookie value reach green before the switch. */
export interface PreviewRoute {
  readonly kind: 'header' | 'cookie';
  /** Header name (lower-case) or cookie name. */
  readonly name: string;
  /** The exact value that selects the preview. */
  readonly value: string;
}

/** An analysis before or after the switch: templates, args and an optional duration, as an analysis step has. */
export type BlueGreenAnalysis = Omit<AnalysisStep, 'kind'>;

export interface BlueGreenSpec {
  readonly previewRoute?: PreviewRoute;
  /** Judges green before the switch; with a preview route, green's numbers are the preview's traffic. */
  readonly prePromotionAnalysis?: BlueGreenAnalysis;
  /** false: wait for `sluice promote` before the switch (Argo's autoPromotionEnabled). */
  readonly autoPromote: boolean;
  /** With autoPromote: wait this long before the switch (Argo's autoPromotionSeconds). */
  readonly autoPromotionDelayMs?: number;
  /** Judges green after the switch; a failure switches back to blue. */
  readonly postPromotionAnalysis?: BlueGreenAnalysis;
  /** How long blue keeps running after green became stable, for an instant `sluice undo`; then it is idle. */
  readonly scaleDownDelayMs: number;
}

/** The blue-green spec and the steps it expands to (what the state machine runs). */
export interface BlueGreenStrategy {
  readonly kind: 'blueGreen';
  readonly blueGreen: BlueGreenSpec;
  readonly steps: readonly Step[];
}

/** What each expanded step is for; `switch` is the one that moves 100 % to green. */
export type BlueGreenStage = 'preview' | 'prePromotionAnalysis' | 'awaitPromotion' | 'switch' | 'postPromotionAnalysis';

/** The name of the rollout rule that sends the preview to green. */
export const PREVIEW_ROUTE_NAME = 'preview';
/** Argo Rollouts' default scaleDownDelaySeconds. */
export const DEFAULT_SCALE_DOWN_DELAY_MS = 30_000;

/** The preview route as a match condition: the header or cookie with exactly the value. */
export function previewCondition(route: PreviewRoute): ConditionSpec {
  return { kind: route.kind, name: route.name, match: { exact: route.value } };
}

/** "header x-preview = 1". */
export function describePreview(route: PreviewRoute): string {
  return `${route.kind} ${route.name} = ${route.value}`;
}

function analysisStep(analysis: BlueGreenAnalysis): AnalysisStep {
  return { kind: 'analysis', ...analysis };
}

/**
 * The steps a blue-green spec runs, in order, each with its stage: preview route → pre-promotion
 * analysis → pause (indefinite without autoPromote, timed with autoPromotionDelay) → switch
 * (setWeight 100) → post-promotion analysis. Then the rollout promotes: green becomes stable.
 */
export function blueGreenStages(spec: BlueGreenSpec): readonly { readonly stage: BlueGreenStage; readonly step: Step }[] {
  const stages: { stage: BlueGreenStage; step: Step }[] = [];
  if (spec.previewRoute !== undefined) {
    stages.push({ stage: 'preview', step: { kind: 'setHeaderRoute', name: PREVIEW_ROUTE_NAME, match: [previewCondition(spec.previewRoute)] } });
  }
  if (spec.prePromotionAnalysis !== undefined) stages.push({ stage: 'prePromotionAnalysis', step: analysisStep(spec.prePromotionAnalysis) });
  if (!spec.autoPromote) stages.push({ stage: 'awaitPromotion', step: { kind: 'pause' } });
  else if (spec.autoPromotionDelayMs !== undefined) stages.push({ stage: 'awaitPromotion', step: { kind: 'pause', durationMs: spec.autoPromotionDelayMs } });
  stages.push({ stage: 'switch', step: { kind: 'setWeight', weight: 100 } });
  if (spec.postPromotionAnalysis !== undefined) stages.push({ stage: 'postPromotionAnalysis', step: analysisStep(spec.postPromotionAnalysis) });
  return stages;
}

/** A blue-green strategy with its steps expanded. Pure: the same spec always gives the same steps. */
export function blueGreenStrategy(spec: BlueGreenSpec): BlueGreenStrategy {
  return { kind: 'blueGreen', blueGreen: spec, steps: blueGreenStages(spec).map((s) => s.step) };
}

const STAGE_LABELS: Readonly<Record<BlueGreenStage, string>> = {
  preview: 'preview',
  prePromotionAnalysis: 'pre-promotion analysis',
  awaitPromotion: 'before the switch',
  switch: 'switch to green',
  postPromotionAnalysis: 'post-promotion analysis',
};

/** "switch to green", "pre-promotion analysis": what the blue-green step at `index` is for. */
export function blueGreenStageLabel(spec: BlueGreenSpec, index: number): string | undefined {
  const stage = blueGreenStages(spec)[index]?.stage;
  return stage === undefined ? undefined : STAGE_LABELS[stage];
}

/** "switch to green: setWeight 100" for a blue-green step; a wave as wavesStageLabel says; a canary's step as describeStep says. */
export function describeStrategyStep(strategy: { readonly kind: string; readonly steps: readonly Step[]; readonly blueGreen?: BlueGreenSpec; readonly waves?: WavesSpec }, index: number): string {
  const step = strategy.steps[index];
  if (step === undefined) return 'no such step';
  if (strategy.kind === 'waves' && strategy.waves !== undefined) {
    const label = wavesStageLabel(strategy.waves, index);
    if (label !== undefined) return step.kind === 'wave' ? label : `${label}: ${describeStep(step)}`;
  }
  const label = strategy.kind === 'blueGreen' && strategy.blueGreen !== undefined ? blueGreenStageLabel(strategy.blueGreen, index) : undefined;
  return label === undefined ? describeStep(step) : `${label}: ${describeStep(step)}`;
}

/** Which color serves users, as a rollout's stored state says, and a line for people. */
export interface BlueGreenColors {
  readonly blue: string;
  readonly green: string;
  /** The color serving everyone (preview requests aside). */
  readonly live: 'blue' | 'green';
  /** True while traffic is being moved: to green at the switch, back to blue while aborting. */
  readonly switching: boolean;
  readonly summary: string;
}

interface ColorState {
  readonly phase: Phase;
  readonly stepIndex: number;
  readonly canaryWeight: number;
  readonly stable: string;
}

/**
 * Which color is live for a blue-green rollout in `state`: green once the switch step is done (or the
 * rollout succeeded), blue before it and once rolled back. The switch itself completes only when the
 * data plane reports it serves green, so "live" never runs ahead of the data plane.
 */
export function blueGreenColors(strategy: BlueGreenStrategy, target: string, state: ColorState): BlueGreenColors {
  const blue = state.stable;
  const green = target;
  const switchIndex = blueGreenStages(strategy.blueGreen).findIndex((s) => s.stage === 'switch');
  const base = { blue, green };
  if (state.phase === Phase.Succeeded) {
    const delay = formatDuration(strategy.blueGreen.scaleDownDelayMs);
    return { ...base, live: 'green', switching: false, summary: `green ${green} live and stable; blue ${blue} kept warm for ${delay}, then idle` };
  }
  if (state.phase === Phase.Aborted || state.phase === Phase.Failed) {
    return { ...base, live: 'blue', switching: false, summary: `blue ${blue} live; green ${green} rolled back` };
  }
  if (state.phase === Phase.Aborting) return { ...base, live: 'blue', switching: true, summary: `switching back to blue ${blue}` };
  if (state.stepIndex > switchIndex) {
    return { ...base, live: 'green', switching: false, summary: `green ${green} live; blue ${blue} warm for an instant switch back` };
  }
  if (state.canaryWeight === 100) {
    return { ...base, live: 'blue', switching: true, summary: `switching to green ${green} (waiting for the data plane to serve it)` };
  }
  const preview = strategy.blueGreen.previewRoute;
  const reach = preview === undefined ? 'no preview route' : `preview on ${describePreview(preview)}`;
  return { ...base, live: 'blue', switching: false, summary: `blue ${blue} live; green ${green} waiting for the switch, ${reach}` };
}
