import { formatDuration } from '../duration.js';
import type { AnalysisStep, PauseStep, SetWeightStep, Step, WaveStep } from '../rollouts/step.js';
import type { ApprovalStep } from '../rollouts/verification-steps.js';
import { describeSelector, type LabelSelector } from './target.js';

/**
 * Staged waves (Spinnaker's region-by-region pipelines, as one rollout): ordered waves select targets
 * by label; inside a wave each target runs the wave's own steps (setWeight and timed pauses, or one
 * switch to 100 %), at most `maxConcurrent` at a time; once every target of the wave is done, the bake
 * time runs (the guardian keeps watching), then the gate, then the next wave. It is a preset of steps
 * on the same state machine as a canary: each wave is one `wave` step, the bake a timed `pause`, the
 * gate an `approval` or `analysis` step. A failure anywhere aborts the rollout, and the rollback plan
 * returns every target the rollout touched to stable (rollback-plan.ts).
 */

/** What a target runs inside a wave: weights and timed pauses (a person's wait belongs in the wave's gate). */
export type TargetStep = SetWeightStep | (PauseStep & { readonly durationMs: number });

/** After a wave: a person's approval or an analysis, before the next wave starts. */
export type WaveGate = ApprovalStep | AnalysisStep;

export interface Wave {
  readonly name: string;
  readonly selector: LabelSelector;
  /** The steps each target runs; `switch: true` is written as one `setWeight 100`. */
  readonly steps: readonly TargetStep[];
  /** True when the wave was written as a direct switch. */
  readonly switch: boolean;
  /** At most this many targets of the wave run their steps at once; absent: all of them. */
  readonly maxConcurrent?: number;
  /** How long to watch the wave's targets once all are done, before the gate. */
  readonly bakeTimeMs?: number;
  readonly gate?: WaveGate;
}

export interface WavesSpec {
  readonly waves: readonly Wave[];
}

/** The waves spec and the steps it expands to (what the state machine runs). */
export interface WavesStrategy {
  readonly kind: 'waves';
  readonly waves: WavesSpec;
  readonly steps: readonly Step[];
}

/** What each expanded step is for. */
export type WaveStage = 'wave' | 'bake' | 'gate';

/** The steps of a waves spec, in order, each with its wave and stage: wave → bake → gate, wave by wave. */
export function wavesStages(spec: WavesSpec): readonly { readonly stage: WaveStage; readonly wave: number; readonly step: Step }[] {
  return spec.waves.flatMap((wave, index) => {
    const run: WaveStep = { kind: 'wave', wave: index, name: wave.name };
    const stages: { stage: WaveStage; wave: number; step: Step }[] = [{ stage: 'wave', wave: index, step: run }];
    if (wave.bakeTimeMs !== undefined) stages.push({ stage: 'bake', wave: index, step: { kind: 'pause', durationMs: wave.bakeTimeMs } });
    if (wave.gate !== undefined) stages.push({ stage: 'gate', wave: index, step: wave.gate });
    return stages;
  });
}

/** A waves strategy with its steps expanded. Pure: the same spec always gives the same steps. */
export function wavesStrategy(spec: WavesSpec): WavesStrategy {
  return { kind: 'waves', waves: spec, steps: wavesStages(spec).map((s) => s.step) };
}

/** "setWeight 10 → pause 30s → setWeight 100", or "switch". */
export function describeTargetSteps(wave: Wave): string {
  if (wave.switch) return 'switch';
  return wave.steps.map((s) => (s.kind === 'setWeight' ? `setWeight ${s.weight}` : `pause ${formatDuration(s.durationMs)}`)).join(' → ');
}

/** "wave 2 (region-eu; region=eu): bake 10s" — what the expanded step at `index` is for. */
export function wavesStageLabel(spec: WavesSpec, index: number): string | undefined {
  const stage = wavesStages(spec)[index];
  const wave = stage === undefined ? undefined : spec.waves[stage.wave];
  if (stage === undefined || wave === undefined) return undefined;
  const head = `wave ${stage.wave + 1}/${spec.waves.length} (${wave.name})`;
  if (stage.stage === 'bake') return `${head} bake`;
  if (stage.stage === 'gate') return `${head} gate`;
  const limit = wave.maxConcurrent === undefined ? '' : `, ${wave.maxConcurrent} at a time`;
  return `${head} on ${describeSelector(wave.selector)}: ${describeTargetSteps(wave)}${limit}`;
}
