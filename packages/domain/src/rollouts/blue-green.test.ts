import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  blueGreenColors,
  blueGreenStageLabel,
  blueGreenStages,
  blueGreenStrategy,
  DEFAULT_SCALE_DOWN_DELAY_MS,
  PREVIEW_ROUTE_NAME,
  type BlueGreenSpec,
} from './blue-green.js';
import { Phase } from './phase.js';

const BASE: BlueGreenSpec = { autoPromote: true, scaleDownDelayMs: DEFAULT_SCALE_DOWN_DELAY_MS };
const PRE = { templates: ['health'], args: { maxErrorRate: '0.01' }, durationMs: 30_000 };
const POST = { templates: ['health'], args: {} };

describe('blueGreenStrategy', () => {
  test('blueGreenStrategy of a bare spec is one step: the switch', () => {
    assert.deepEqual(blueGreenStrategy(BASE), { kind: 'blueGreen', blueGreen: BASE, steps: [{ kind: 'setWeight', weight: 100 }] });
  });

  test('blueGreenStrategy expands every field in order: preview, pre-analysis, pause, switch, post-analysis', () => {
    const spec: BlueGreenSpec = {
      ...BASE,
      previewRoute: { kind: 'header', name: 'x-preview', value: '1' },
      prePromotionAnalysis: PRE,
      autoPromote: false,
      postPromotionAnalysis: POST,
    };
    assert.deepEqual(blueGreenStrategy(spec).steps, [
      { kind: 'setHeaderRoute', name: PREVIEW_ROUTE_NAME, match: [{ kind: 'header', name: 'x-preview', match: { exact: '1' } }] },
      { kind: 'analysis', templates: ['health'], args: { maxErrorRate: '0.01' }, durationMs: 30_000 },
      { kind: 'pause' },
      { kind: 'setWeight', weight: 100 },
      { kind: 'analysis', templates: ['health'], args: {} },
    ]);
    assert.deepEqual(blueGreenStages(spec).map((s) => s.stage), ['preview', 'prePromotionAnalysis', 'awaitPromotion', 'switch', 'postPromotionAnalysis']);
  });

  test('blueGreenStrategy routes a cookie preview and times the pause by autoPromotionDelay', () => {
    const spec: BlueGreenSpec = { ...BASE, previewRoute: { kind: 'cookie', name: 'preview', value: 'yes' }, autoPromotionDelayMs: 45_000 };
    assert.deepEqual(blueGreenStrategy(spec).steps, [
      { kind: 'setHeaderRoute', name: 'preview', match: [{ kind: 'cookie', name: 'preview', match: { exact: 'yes' } }] },
      { kind: 'pause', durationMs: 45_000 },
      { kind: 'setWeight', weight: 100 },
    ]);
  });

  test('blueGreenStrategy waits for a person when autoPromote is off, even with a delay', () => {
    const steps = blueGreenStrategy({ ...BASE, autoPromote: false, autoPromotionDelayMs: 45_000 }).steps;
    assert.deepEqual(steps, [{ kind: 'pause' }, { kind: 'setWeight', weight: 100 }]);
  });

  test('blueGreenStageLabel names what each step is for', () => {
    const spec: BlueGreenSpec = { ...BASE, prePromotionAnalysis: PRE, postPromotionAnalysis: POST };
    assert.deepEqual([0, 1, 2, 3].map((i) => blueGreenStageLabel(spec, i)), ['pre-promotion analysis', 'switch to green', 'post-promotion analysis', undefined]);
  });
});

describe('blueGreenColors', () => {
  const strategy = blueGreenStrategy({ ...BASE, previewRoute: { kind: 'header', name: 'x-preview', value: '1' }, postPromotionAnalysis: POST });
  const colors = (phase: Phase, stepIndex: number, canaryWeight = 0) => blueGreenColors(strategy, 'v2', { phase, stepIndex, canaryWeight, stable: 'v1' });

  test('blueGreenColors: blue is live before the switch, with green on preview', () => {
    const c = colors(Phase.Progressing, 1);
    assert.deepEqual([c.blue, c.green, c.live, c.switching], ['v1', 'v2', 'blue', false]);
    assert.match(c.summary, /blue v1 live; green v2 waiting for the switch, preview on header x-preview = 1/);
  });

  test('blueGreenColors: a recorded switch the data plane does not serve yet is switching, still blue', () => {
    assert.deepEqual([colors(Phase.Progressing, 1, 100).live, colors(Phase.Progressing, 1, 100).switching], ['blue', true]);
  });

  test('blueGreenColors: green is live once the switch step is done, and once promoted', () => {
    assert.deepEqual([colors(Phase.Progressing, 2, 100).live, colors(Phase.Promoting, 3, 100).live], ['green', 'green']);
    const done = colors(Phase.Succeeded, 3, 100);
    assert.equal(done.live, 'green');
    assert.match(done.summary, /blue v1 kept warm for 30s, then idle/);
  });

  test('blueGreenColors: aborting switches back to blue; aborted and failed are blue', () => {
    assert.deepEqual([colors(Phase.Aborting, 2, 100).live, colors(Phase.Aborting, 2, 100).switching], ['blue', true]);
    assert.match(colors(Phase.Aborting, 2, 100).summary, /switching back to blue v1/);
    assert.equal(colors(Phase.Failed, 2, 0).live, 'blue');
    assert.equal(colors(Phase.Aborted, 0, 0).live, 'blue');
  });
});
