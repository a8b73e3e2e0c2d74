import { describeSetFlag, flagBaselineKey, patchRollout, type FlagBaseline, type Rollout, type SetFlagStep } from '@sluice/domain';
import type { FlagRestorer } from '../orchestrator/rollback.js';
import type { StepExecutor, StepProgress } from '../orchestrator/step-executor.js';
import { patchEnvironment, restoreEnvironment, updateFlag, type FlagWriteContext } from './flag-commands.js';

/**
 * setFlag: first records the flag environment's settings as they are (the rollback's baseline; stored
 * with the rollout before the flag is touched), then writes the change as a new flag version
 * attributed to the rollout. Both halves are idempotent, so a crash between them repeats nothing:
 * the baseline is kept from the first pass, and writing the same settings again saves no version.
 */
export function createSetFlagExecutor(ctx: FlagWriteContext): StepExecutor<SetFlagStep> {
  return {
    kind: 'setFlag',
    async advance(step, stepCtx): Promise<StepProgress> {
      const { rollout, now } = stepCtx;
      const key = flagBaselineKey(step.flag, step.environment);
      const baselines = rollout.status.flagBaselines ?? {};
      if (baselines[key] === undefined) {
        const flag = await ctx.store.flags.get(step.flag);
        if (flag === undefined) return { kind: 'wait', why: `Flag "${step.flag}" does not exist: apply it, or abort the rollout` };
        const settings = flag.spec.environments[step.environment];
        const baseline: FlagBaseline = { flag: step.flag, environment: step.environment, version: flag.version, ...(settings ? { settings } : {}) };
        return { kind: 'change', change: patchRollout(rollout, { flagBaselines: { ...baselines, [key]: baseline } }, now, []) };
      }
      const patch = {
        ...(step.enabled !== undefined ? { enabled: step.enabled } : {}),
        ...(step.rollout !== undefined ? { rollout: step.rollout } : {}),
        ...(step.variantWeights !== undefined ? { variantWeights: step.variantWeights } : {}),
      };
      const reason = `rollout ${rollout.name} step ${rollout.status.stepIndex + 1}: ${describeSetFlag(step)}`;
      const saved = await updateFlag(ctx, step.flag, { actor: 'controller', at: now, reason, rollout: rollout.name }, (spec) => patchEnvironment(spec, step.environment, patch));
      return { kind: 'done', why: `${describeSetFlag(step)} (flag version ${saved.version})` };
    },
  };
}

/** The rollback plan's `flags` op: every flag environment the rollout changed, back to its baseline. */
export function flagRestorer(ctx: FlagWriteContext): FlagRestorer {
  return {
    async restore(rollout: Rollout, now: number): Promise<string> {
      const restored: string[] = [];
      for (const baseline of Object.values(rollout.status.flagBaselines ?? {})) {
        const reason = `rollback of rollout ${rollout.name}: ${baseline.environment} as before the rollout (version ${baseline.version})`;
        const change = { actor: 'controller', at: now, reason, rollout: rollout.name };
        await updateFlag(ctx, baseline.flag, change, (spec) => restoreEnvironment(spec, baseline.environment, baseline.settings));
        restored.push(`${baseline.flag} in ${baseline.environment}`);
      }
      return `flags restored to their settings before the rollout: ${restored.join(', ') || 'none'}`;
    },
  };
}
