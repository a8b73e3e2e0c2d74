import { isVersionExperiment, variantVersion, type Experiment, type Service, type TrafficSplit } from '@sluice/domain';
import { stableSplit, type SegmentLookup } from '../orchestrator/traffic-split.js';
import type { ExperimentStore } from '../store/store.js';

/** The running experiment of versions that owns a service's traffic split, if any (at most one: apply sees to it). */
export async function owningExperiment(experiments: ExperimentStore, service: string): Promise<Experiment | undefined> {
  return (await experiments.list({ service, runningOnly: true })).find((e) => isVersionExperiment(e.spec));
}

/** The control's and the treatment's versions and the treatment's weight, for a two-version experiment. */
export function experimentArms(experiment: Experiment): { control: string; treatment: string; weight: number } | undefined {
  const { spec } = experiment;
  const treatment = spec.variants.find((v) => v.name !== spec.control);
  const control = variantVersion(spec, spec.control);
  const treated = treatment === undefined ? undefined : variantVersion(spec, treatment.name);
  if (spec.variants.length !== 2 || treatment === undefined || control === undefined || treated === undefined) return undefined;
  return { control, treatment: treated, weight: treatment.weight };
}

/**
 * The split the data plane serves while a two-version experiment runs: the control's version as
 * stable, the treatment's as canary at the treatment's weight, bucketed with the experiment's name as
 * salt. The proxy then sends a key to the canary exactly when assignVariant assigns it the treatment
 * (the treatment's buckets come first), so users see the variant their events are counted for. The
 * service's static routes still apply first. Undefined (everyone on stable) until both versions have
 * a ready backend, so no user is sent to a version that cannot answer.
 */
export function experimentSplit(
  experiment: Experiment,
  service: Service,
  segments: SegmentLookup,
  backends: Readonly<Record<string, readonly string[]>>,
): TrafficSplit | undefined {
  const arms = experimentArms(experiment);
  if (arms === undefined) return undefined;
  if ((backends[arms.control]?.length ?? 0) === 0 || (backends[arms.treatment]?.length ?? 0) === 0) return undefined;
  return { ...stableSplit(service, segments), stable: arms.control, canary: arms.treatment, weight: arms.weight, salt: experiment.name };
}

/** The split a running experiment of the service wants, or undefined when none owns it (or it waits for readiness). */
export async function experimentSplitOf(
  experiments: ExperimentStore | undefined,
  service: Service,
  segments: SegmentLookup,
  backends: Readonly<Record<string, readonly string[]>>,
): Promise<TrafficSplit | undefined> {
  if (experiments === undefined) return undefined;
  const experiment = await owningExperiment(experiments, service.name);
  return experiment === undefined ? undefined : experimentSplit(experiment, service, segments, backends);
}
