import { wavesStrategy } from '@sluice/domain';
import type { TargetSpec, TargetStep, Wave, WaveGate, WavesStrategy } from '@sluice/domain';
import type { z } from 'zod';
import { defined, ms, toAnalysisRef } from './analysis-to-domain.js';
import type { targetSpec, waves } from './waves-schemas.js';

type RawTarget = z.output<typeof targetSpec>;
type RawWaves = z.output<typeof waves>;
type RawWave = RawWaves['waves'][number];

const text = (labels: Readonly<Record<string, string | number>> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(labels ?? {}).map(([k, v]) => [k, String(v)]));

/** A validated Target spec: labels as text, the data plane as a tagged union. */
export function toTargetSpec(raw: RawTarget): TargetSpec {
  const services = Object.fromEntries(Object.entries(raw.dataPlane.builtin?.services ?? {}).map(([service, b]) => [service, { listen: b.listen }]));
  return { labels: text(raw.labels), dataPlane: { kind: 'builtin', services } };
}

/** A validated `waves` as the domain's strategy: durations in ms, `switch` as one setWeight 100, steps expanded. */
export function toWavesStrategy(raw: RawWaves): WavesStrategy {
  return wavesStrategy({ waves: raw.waves.map(toWave) });
}

function toWave(raw: RawWave): Wave {
  const steps: TargetStep[] = raw.switch === true ? [{ kind: 'setWeight', weight: 100 }] : (raw.steps ?? []).map(toTargetStep);
  return {
    name: raw.name,
    selector: { matchLabels: text(raw.selector.matchLabels) },
    steps,
    switch: raw.switch === true,
    ...(raw.maxConcurrent === undefined ? {} : { maxConcurrent: raw.maxConcurrent }),
    ...(raw.bakeTime === undefined ? {} : { bakeTimeMs: ms(raw.bakeTime) }),
    ...(raw.gate === undefined ? {} : { gate: toGate(raw.gate) }),
  };
}

function toTargetStep(raw: NonNullable<RawWave['steps']>[number]): TargetStep {
  if (raw.setWeight !== undefined) return { kind: 'setWeight', weight: raw.setWeight };
  return { kind: 'pause', durationMs: ms(raw.pause?.duration ?? '0s') };
}

function toGate(raw: NonNullable<RawWave['gate']>): WaveGate {
  if (raw.analysis !== undefined) {
    const { duration } = raw.analysis;
    return { kind: 'analysis', ...toAnalysisRef(raw.analysis), ...(duration === undefined ? {} : { durationMs: ms(duration) }) };
  }
  const { message, approvers, allowAuthor } = raw.approval ?? {};
  return { kind: 'approval', ...defined({ message, approvers: approvers && [...approvers], allowAuthor }) };
}
