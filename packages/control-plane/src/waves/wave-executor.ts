import { advanceWave, assignTargets, patchRollout, waveMembers, type Rollout, type TargetsProgress, type WaveStep } from '@sluice/domain';
import type { StepExecutor, StepProgress } from '../orchestrator/step-executor.js';
import { untilTargetReady } from '../orchestrator/step-executors/target-ready.js';
import type { TargetRouting } from './target-routers.js';

/** The weight on the rollout's target version each listed target's data plane reports serving (absent when unknown). */
async function servingWeights(rollout: Rollout, names: readonly string[], targets: TargetRouting, signal: AbortSignal): Promise<Record<string, number | undefined>> {
  const serving: Record<string, number | undefined> = {};
  for (const name of names) {
    const observed = await targets.routers.existing(name)?.observeSplit(rollout.spec.service, signal).catch(() => undefined);
    if (observed !== undefined && observed.canary === rollout.spec.target && observed.salt === rollout.name) serving[name] = observed.weight;
  }
  return serving;
}

/**
 * wave: runs one wave of a waves strategy. The first wave assigns every Target serving the service to
 * the first wave selecting it (stored in `status.targets`, so later Target changes do not reshuffle a
 * running rollout). Each call observes what the wave's targets serve, asks the domain's `advanceWave`
 * what happens next and records it; the controller's target sync moves each target's traffic from the
 * stored status (record, then verify), and the step is done once every target of the wave is.
 */
export function createWaveExecutor(targets: TargetRouting): StepExecutor<WaveStep> {
  return {
    kind: 'wave',
    async advance(step, ctx): Promise<StepProgress> {
      const { rollout, now } = ctx;
      const { strategy } = rollout.spec;
      if (strategy.kind !== 'waves') return { kind: 'done', why: 'not a waves rollout' };
      const assigned: TargetsProgress = rollout.status.targets ?? assignTargets(strategy.waves, rollout.spec.service, await targets.store.list());
      const members = waveMembers(assigned, step.wave);
      if (members.some((m) => assigned[m]?.phase !== 'Done')) {
        const notReady = untilTargetReady(ctx, `sending it traffic in wave ${step.wave + 1}`);
        if (notReady) return notReady;
      }
      const running = members.filter((m) => assigned[m]?.phase === 'Progressing');
      const serving = await servingWeights(rollout, running, targets, ctx.signal);
      const decision = advanceWave({ spec: strategy.waves, wave: step.wave, version: rollout.spec.target, targets: assigned, currentWave: rollout.status.wave, serving, now });
      if (decision.kind === 'update') {
        return { kind: 'change', change: patchRollout(rollout, { targets: decision.targets, wave: decision.wave, message: decision.message }, now, decision.events) };
      }
      return decision;
    },
  };
}
