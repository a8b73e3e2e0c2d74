import { desiredSplit, type ObservedSplit, type Rollout, type Service, type TrafficSplit } from '@sluice/domain';

/** The split the data plane should serve for a rollout. */
export function rolloutSplit(rollout: Rollout): TrafficSplit {
  const want = desiredSplit(rollout);
  return want.canary === undefined
    ? { stable: want.stable, weight: 0, salt: rollout.name }
    : { stable: want.stable, canary: want.canary, weight: want.weight, salt: rollout.name };
}

/** The split of a service with no active rollout: its stable version serves everyone. */
export function stableSplit(service: Service): TrafficSplit {
  return { stable: service.status.stable, weight: 0, salt: service.name };
}

/** True when the data plane serves exactly `want` (same versions, weight and bucketing salt). */
export function sameSplit(observed: ObservedSplit, want: TrafficSplit): boolean {
  return (
    observed.stable === want.stable &&
    observed.canary === want.canary &&
    observed.weight === want.weight &&
    (want.canary === undefined || observed.salt === want.salt)
  );
}
