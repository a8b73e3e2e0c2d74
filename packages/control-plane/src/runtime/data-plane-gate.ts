import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, isSluiceError } from '@sluice/domain';
import type { Endpoint, UpstreamUse } from '@sluice/domain';
import type { TrafficRouter } from '../traffic/traffic-router.js';
import type { DataPlaneGate, WorkloadKey } from './runtime.js';

/** How often the gate asks the data plane while waiting. */
export const GATE_POLL_MS = 20;

/** What the gate sees: the endpoint's use, "no-route" (the service has no route: nothing routes anywhere), or "unknown" (the question failed). */
type Seen = UpstreamUse | 'no-route' | 'unknown';

/**
 * The runtime's DataPlaneGate over a TrafficRouter: each wait polls `upstreamUse` until the data
 * plane says so. A service without a route counts as out of the table and drained (nothing can be
 * routed there), but never as in it; a failed question is asked again.
 */
export function trafficGate(traffic: Pick<TrafficRouter, 'upstreamUse'>, pollMs = GATE_POLL_MS): DataPlaneGate {
  const until = async (key: WorkloadKey, endpoint: Endpoint, signal: AbortSignal, done: (seen: Seen) => boolean): Promise<void> => {
    for (;;) {
      signal.throwIfAborted();
      if (done(await ask(traffic, key.service, endpoint, signal))) return;
      // An abort ends the sleep early; the check above then throws the signal's reason.
      await sleep(pollMs, undefined, { signal }).catch(() => undefined);
    }
  };
  return {
    awaitInTable: (key, endpoint, signal) => until(key, endpoint, signal, (seen) => typeof seen === 'object' && seen.routed === 'all'),
    awaitOutOfTable: (key, endpoint, signal) => until(key, endpoint, signal, (seen) => seen === 'no-route' || (typeof seen === 'object' && seen.routed === 'none')),
    awaitDrained: (key, endpoint, signal) => until(key, endpoint, signal, (seen) => seen === 'no-route' || (typeof seen === 'object' && seen.inflight === 0)),
  };
}

async function ask(traffic: Pick<TrafficRouter, 'upstreamUse'>, service: string, endpoint: Endpoint, signal: AbortSignal): Promise<Seen> {
  try {
    return await traffic.upstreamUse(service, endpoint, signal);
  } catch (error) {
    signal.throwIfAborted();
    return isSluiceError(error) && error.code === ErrorCode.SERVICE_NOT_FOUND ? 'no-route' : 'unknown';
  }
}
