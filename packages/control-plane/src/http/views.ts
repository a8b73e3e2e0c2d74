import { redactSecrets } from '../platform/redact.js';
import {
  currentStep,
  describeStrategyStep,
  referencedSegments,
  type AnalysisTemplate,
  type ReleaseEvent,
  type Rollout,
  type Segment,
  type Service,
} from '@sluice/domain';
import type { ControllerView as Controller } from '../orchestrator/controller-view.js';
import type { Runtime } from '../runtime/runtime.js';
import type { TrafficRouter } from '../traffic/traffic-router.js';

/** What the API shows of a service: spec, status, what the data plane serves and what runs. */
export async function serviceView(
  service: Service,
  deps: { traffic: TrafficRouter; runtime: Runtime; activeRollout: string | undefined; problem: string | undefined },
) {
  const traffic = await deps.traffic.observeSplit(service.name).catch(() => undefined);
  const workloads = deps.runtime
    .list()
    .filter((w) => w.service === service.name)
    .map(({ version, desiredReplicas, readyEndpoints, instances, update }) => ({ version, desiredReplicas, readyEndpoints, instances, ...(update ? { update } : {}) }));
  return {
    name: service.name,
    version: service.version,
    spec: service.spec,
    status: service.status,
    ...(deps.activeRollout ? { activeRollout: deps.activeRollout } : {}),
    ...(traffic ? { traffic } : {}),
    ...(deps.problem ? { problem: deps.problem } : {}),
    workloads,
  };
}

/** The status without the exposure's key sketch: kilobytes of registers that only the guardian reads. */
function withoutKeySketch(status: Rollout['status']): Rollout['status'] {
  if (status.exposure?.keySketch === undefined) return status;
  const { keySketch: _sketch, ...exposure } = status.exposure;
  return { ...status, exposure };
}

/** What the API shows of a rollout: spec, status, each step's state, why it waits, recent events. */
export function rolloutView(rollout: Rollout, deps: { controller?: Controller; events?: readonly ReleaseEvent[] }) {
  const index = rollout.status.stepIndex;
  const current = currentStep(rollout);
  const steps = rollout.spec.strategy.steps.map((step, i) => ({
    index: i,
    kind: step.kind,
    description: describeStrategyStep(rollout.spec.strategy, i),
    state: i < index ? 'done' : i === index && current ? 'current' : 'pending',
  }));
  const outcome = deps.controller?.outcome(rollout.name);
  return {
    name: rollout.name,
    version: rollout.version,
    ...(rollout.createdBy === undefined ? {} : { createdBy: rollout.createdBy }),
    spec: redactSecrets(rollout.spec),
    status: redactSecrets(withoutKeySketch(rollout.status)),
    steps,
    ...(outcome?.kind === 'waiting' ? { waitingFor: outcome.why } : {}),
    ...(deps.events ? { events: deps.events } : {}),
  };
}

/**
 * What the API shows of a segment: its spec, and what it steers now: the services whose static
 * routes name it and the active rollouts whose rules name it.
 */
export function segmentView(segment: Segment, deps: { services: readonly Service[]; activeRollouts: readonly Rollout[] }) {
  const names = (rules: readonly { conditions: Parameters<typeof referencedSegments>[0] }[] | undefined) =>
    referencedSegments((rules ?? []).flatMap((r) => r.conditions));
  return {
    name: segment.name,
    version: segment.version,
    spec: segment.spec,
    usedBy: {
      services: deps.services.filter((s) => names(s.spec.routes).includes(segment.name)).map((s) => s.name),
      rollouts: deps.activeRollouts.filter((r) => names(r.status.rules).includes(segment.name)).map((r) => r.name),
    },
  };
}

/** The templates a rollout's analysis steps and background analysis name. */
export function referencedTemplates(rollout: Rollout): string[] {
  const names = rollout.spec.strategy.steps.flatMap((step) => (step.kind === 'analysis' ? step.templates : []));
  names.push(...(rollout.spec.analysis?.background?.templates ?? []));
  return [...new Set(names)];
}

/** What the API shows of an analysis template: its spec, and the active rollouts whose analysis names it. */
export function analysisTemplateView(template: AnalysisTemplate, deps: { activeRollouts: readonly Rollout[] }) {
  return {
    name: template.name,
    version: template.version,
    spec: redactSecrets(template.spec),
    usedBy: { rollouts: deps.activeRollouts.filter((r) => referencedTemplates(r).includes(template.name)).map((r) => r.name) },
  };
}
