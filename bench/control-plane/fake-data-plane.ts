// Fake data planes for the control-plane benchmark: the in-memory router and runtime, optionally
// behind a delay that models a remote data plane acknowledging every call after a few ms.
import type { ObservedSplit, RouteSpec, TrafficSplit, UpstreamUse } from '@sluice/domain';
import { MemoryRuntime } from '../../packages/control-plane/src/runtime/in-memory/memory-runtime.js';
import { MemoryRouter } from '../../packages/control-plane/src/traffic/in-memory/memory-router.js';
import type { RouterCapability, TrafficRouter } from '../../packages/control-plane/src/traffic/traffic-router.js';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A TrafficRouter that answers every call `latencyMs` late (a remote data plane's round trip), then does it in memory. */
export class RemoteLikeRouter implements TrafficRouter {
  readonly kind = 'memory-remote';
  readonly capabilities: ReadonlySet<RouterCapability>;
  readonly #inner: MemoryRouter;
  readonly #latencyMs: number;

  constructor(inner: MemoryRouter, latencyMs: number) {
    this.#inner = inner;
    this.#latencyMs = latencyMs;
    this.capabilities = inner.capabilities;
  }

  async upsertRoute(route: RouteSpec, initial: TrafficSplit, signal?: AbortSignal): Promise<void> {
    await delay(this.#latencyMs);
    return this.#inner.upsertRoute(route, initial, signal);
  }

  async setSplit(service: string, split: TrafficSplit, signal?: AbortSignal): Promise<void> {
    await delay(this.#latencyMs);
    return this.#inner.setSplit(service, split, signal);
  }

  async observeSplit(service: string, signal?: AbortSignal): Promise<ObservedSplit> {
    await delay(this.#latencyMs);
    return this.#inner.observeSplit(service, signal);
  }

  async upstreamUse(service: string, endpoint: string, signal?: AbortSignal): Promise<UpstreamUse> {
    await delay(this.#latencyMs);
    return this.#inner.upstreamUse(service, endpoint, signal);
  }

  async reset(service: string, signal?: AbortSignal): Promise<void> {
    await delay(this.#latencyMs);
    return this.#inner.reset(service, signal);
  }

  async removeRoute(service: string, signal?: AbortSignal): Promise<void> {
    await delay(this.#latencyMs);
    return this.#inner.removeRoute(service, signal);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

export interface FakeDataPlanes {
  readonly traffic: TrafficRouter;
  readonly runtime: MemoryRuntime;
  /** Drops the fakes' call logs (kept for tests' assertions; here they would only grow). */
  forgetCalls(): void;
}

/** The in-memory router and runtime; with `latencyMs` > 0 the router answers that late. */
export function fakeDataPlanes(latencyMs: number): FakeDataPlanes {
  const router = new MemoryRouter();
  const runtime = new MemoryRuntime();
  return {
    traffic: latencyMs > 0 ? new RemoteLikeRouter(router, latencyMs) : router,
    runtime,
    forgetCalls: () => {
      (router.calls as unknown[]).length = 0;
      (runtime.calls as unknown[]).length = 0;
    },
  };
}
