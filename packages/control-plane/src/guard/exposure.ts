import type { Exposure, Rollout } from '@sluice/domain';
import type { ProviderResolver } from '../providers/provider-factory.js';

const BUILTIN = { provider: { kind: 'builtin' as const }, timeoutMs: 1_000, retries: 0 };

export function emptyExposure(now: number): Exposure {
  return { requests: 0, failedRequests: 0, distinctKeys: 0, trafficMinutes: 0, throughMs: Math.floor(now / 1000) * 1000 };
}

async function count(providers: ProviderResolver, query: string, service: string, version: string, fromMs: number, toMs: number): Promise<number> {
  const result = await providers(BUILTIN).measure({ query, args: { service, version }, fromMs, toMs });
  return result.kind === 'value' && typeof result.value === 'number' ? result.value : 0;
}

/**
 * Adds the time since `exposure.throughMs` from the built-in proxy's windows: requests and
 * 5xx served by the target, and traffic-minutes (the target's share of the service's requests × time).
 * Undefined when the windows cannot be read (another data plane): exposure then stays as it was.
 */
export async function accumulateExposure(exposure: Exposure, rollout: Rollout, providers: ProviderResolver, now: number, upToNow = false): Promise<Exposure | undefined> {
  // Whole seconds, so no second is counted twice; at a breach, up to now (the rollout stops widening there).
  const toMs = upToNow ? now : Math.floor(now / 1000) * 1000;
  if (toMs <= exposure.throughMs) return exposure;
  const { service, target } = rollout.spec;
  try {
    const [requests, failed, stable] = await Promise.all([
      count(providers, 'requests', service, target, exposure.throughMs, toMs),
      count(providers, 'errors', service, target, exposure.throughMs, toMs),
      count(providers, 'requests', service, rollout.status.stable, exposure.throughMs, toMs),
    ]);
    const share = requests + stable === 0 ? 0 : requests / (requests + stable);
    return {
      requests: exposure.requests + requests,
      failedRequests: exposure.failedRequests + failed,
      distinctKeys: exposure.distinctKeys,
      trafficMinutes: exposure.trafficMinutes + (share * (toMs - exposure.throughMs)) / 60_000,
      throughMs: toMs,
    };
  } catch {
    return undefined;
  }
}
