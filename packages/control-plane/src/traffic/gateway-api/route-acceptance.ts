import { ErrorCode, SluiceError } from '@sluice/domain';
import type { KubeResource, KubeResourceApi, KubeResourceRef } from '../kube-resources.js';

/**
 * Where the Gateway implementation stands with an HTTPRoute's current generation, from
 * status.parents[].conditions: "unreported" when no controller wrote a status (yet), "pending" while
 * some parent's Accepted/ResolvedRefs describe an older generation, "rejected" when one is False.
 */
export type Acceptance =
  | { readonly state: 'unreported' }
  | { readonly state: 'accepted' }
  | { readonly state: 'pending'; readonly message: string }
  | { readonly state: 'rejected'; readonly message: string };

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly observedGeneration?: number;
}

interface ParentStatus {
  readonly parentRef?: { readonly name?: string };
  readonly controllerName?: string;
  readonly conditions?: readonly Condition[];
}

const REQUIRED = ['Accepted', 'ResolvedRefs'];

export function acceptanceOf(route: KubeResource): Acceptance {
  const parents = ((route.status ?? {}) as { parents?: readonly ParentStatus[] }).parents ?? [];
  if (parents.length === 0) return { state: 'unreported' };
  const generation = route.metadata.generation ?? 0;
  let pending: string | undefined;
  for (const parent of parents) {
    const who = `parent ${parent.parentRef?.name ?? '?'} (${parent.controllerName ?? 'unknown controller'})`;
    for (const type of REQUIRED) {
      const condition = parent.conditions?.find((c) => c.type === type);
      if (condition === undefined || (condition.observedGeneration ?? 0) < generation) {
        pending ??= `${who} has not reported ${type} for generation ${generation}`;
      } else if (condition.status !== 'True') {
        return { state: 'rejected', message: `${who}: ${type}=${condition.status ?? '?'} (${condition.reason ?? 'no reason'}): ${condition.message ?? ''}` };
      }
    }
  }
  return pending === undefined ? { state: 'accepted' } : { state: 'pending', message: pending };
}

/** Throws ADAPTER_FAILED unless the route's current generation is accepted (or no controller reports status). */
export function requireAccepted(route: KubeResource, acceptance: Acceptance = acceptanceOf(route)): void {
  if (acceptance.state === 'rejected' || acceptance.state === 'pending') {
    throw new SluiceError(ErrorCode.ADAPTER_FAILED, `HTTPRoute ${route.metadata.name}: ${acceptance.message}`, { details: { router: 'gateway-api', acceptance: acceptance.state } });
  }
}

/**
 * Waits, by watching the route (no polling), until its parents accept the applied generation; resolves
 * at once when no controller reports status. Rejects with ADAPTER_FAILED when a parent rejects it or
 * after `timeoutMs`.
 */
export async function awaitAccepted(api: KubeResourceApi, ref: KubeResourceRef, applied: KubeResource, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  let latest = applied;
  const deadline = AbortSignal.timeout(timeoutMs);
  const outer = signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
  while (acceptanceOf(latest).state === 'pending') {
    const stop = new AbortController();
    const both = AbortSignal.any([outer, stop.signal]);
    const collection = { apiVersion: ref.apiVersion, plural: ref.plural, namespace: ref.namespace };
    const from = { resourceVersion: latest.metadata.resourceVersion ?? '0', labelSelector: `sluice.dev/service=${ref.name}` };
    try {
      await api.watch(collection, from, (event) => {
        if (event.object.metadata.name !== ref.name || event.type === 'DELETED') return;
        latest = event.object;
        if (acceptanceOf(latest).state !== 'pending') stop.abort();
      }, both);
    } catch (error) {
      if (!(error instanceof Error && error.name === 'KubeWatchExpiredError')) throw error;
    }
    signal?.throwIfAborted();
    if (deadline.aborted) break;
    if (acceptanceOf(latest).state === 'pending' && !stop.signal.aborted) latest = (await api.get(ref, outer)) ?? latest;
  }
  requireAccepted(latest);
}
