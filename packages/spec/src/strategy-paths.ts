import { blueGreenStages, wavesStages, type BlueGreenStage, type RolloutSpec } from '@sluice/domain';
import type { FieldPath } from './source-map.js';

/** The blueGreen field each expanded step comes from; the switch is the strategy itself. */
const BLUE_GREEN_FIELDS: Readonly<Record<BlueGreenStage, readonly string[]>> = {
  preview: ['previewRoute'],
  prePromotionAnalysis: ['prePromotionAnalysis'],
  awaitPromotion: ['autoPromote'],
  switch: [],
  postPromotionAnalysis: ['postPromotionAnalysis'],
};

/**
 * Where the step at `index` of a rollout's strategy is written, for problems found after parsing:
 * `spec.strategy.canary.steps[3].analysis`, or for blue-green the field it expands from
 * (`spec.strategy.blueGreen.prePromotionAnalysis`); a rolling strategy's one step is the strategy itself.
 */
export function stepFieldPath(spec: RolloutSpec, index: number): FieldPath {
  const { strategy } = spec;
  if (strategy.kind === 'canary') return ['spec', 'strategy', 'canary', 'steps', index, strategy.steps[index]?.kind ?? 'step'];
  if (strategy.kind === 'waves') {
    // A wave's bake is its bakeTime; its gate step (approval or analysis) is written under gate.
    const stage = wavesStages(strategy.waves)[index];
    if (stage === undefined) return ['spec', 'strategy', 'waves'];
    const wave: FieldPath = ['spec', 'strategy', 'waves', 'waves', stage.wave];
    if (stage.stage === 'bake') return [...wave, 'bakeTime'];
    return stage.stage === 'gate' ? [...wave, 'gate', stage.step.kind] : wave;
  }
  if (strategy.kind === 'rolling') return ['spec', 'strategy', 'rolling'];
  const stage = blueGreenStages(strategy.blueGreen)[index]?.stage;
  return ['spec', 'strategy', 'blueGreen', ...(stage === undefined ? [] : BLUE_GREEN_FIELDS[stage])];
}
