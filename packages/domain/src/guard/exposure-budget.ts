import { holdForPerson } from '../rollouts/approval.js';
import { currentStep, type Rollout, type RolloutChange } from '../rollouts/rollout.js';
import type { Exposure, ExposureBudget } from './guard-spec.js';

/** The first cap of the budget that the exposure has reached, described, or undefined. */
export function budgetExceeded(budget: ExposureBudget, exposure: Exposure): string | undefined {
  if (budget.maxRequests !== undefined && exposure.requests >= budget.maxRequests) return `${exposure.requests} requests served (budget ${budget.maxRequests})`;
  if (budget.maxFailedRequests !== undefined && exposure.failedRequests >= budget.maxFailedRequests) {
    return `${exposure.failedRequests} failed requests served (budget ${budget.maxFailedRequests})`;
  }
  if (budget.maxTrafficMinutes !== undefined && exposure.trafficMinutes >= budget.maxTrafficMinutes) {
    return `${exposure.trafficMinutes.toFixed(3)} traffic-minutes (budget ${budget.maxTrafficMinutes})`;
  }
  if (budget.maxDistinctKeys !== undefined && exposure.distinctKeys >= budget.maxDistinctKeys) {
    return `about ${exposure.distinctKeys} distinct users served (budget ${budget.maxDistinctKeys})`;
  }
  return undefined;
}

/** Whether the current step would send more traffic to the target than it gets now. */
function widens(rollout: Rollout): boolean {
  const step = currentStep(rollout);
  if (step?.kind === 'setWeight') return step.weight > rollout.status.canaryWeight;
  return step?.kind === 'adaptive';
}

/**
 * The exposure budget: before an analysis has passed for the target, a step that would widen its
 * traffic once the budget is spent holds the rollout for a person instead (promote widens anyway,
 * once). Undefined when the step may go on.
 */
export function budgetHold(rollout: Rollout, now: number): RolloutChange | undefined {
  const { exposureBudget } = rollout.spec;
  const { exposure, verified, hold, holdReleased } = rollout.status;
  if (exposureBudget === undefined || exposure === undefined || verified || hold !== undefined || holdReleased === 'budget' || !widens(rollout)) return undefined;
  const over = budgetExceeded(exposureBudget, exposure);
  if (over === undefined) return undefined;
  const reason = `Exposure budget spent before any analysis passed for ${rollout.spec.target}: ${over}. Promote to widen anyway, or abort`;
  return holdForPerson(rollout, 'budget', reason, now);
}
