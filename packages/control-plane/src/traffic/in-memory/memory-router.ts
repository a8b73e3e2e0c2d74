import { checkSplit, copySplit, equalSplits, ErrorCode, SluiceError } from '@sluice/domain';
import type { ObservedSplit, RouteSpec, TrafficSplit, UpstreamUse } from '@sluice/domain';
import type { RouterCapability, TrafficRouter } from '../traffic-router.js';

/** One setSplit the router received, for tests that assert on what the orchestrator asked for. */
export interface MemoryRouterCall {
  readonly service: string;
  readonly split: TrafficSplit;
  /** True when failNext() made this call reject. */
  readonly injectedFailure: boolean;
}

interface MemoryRoute {
  route: RouteSpec;
  split: TrafficSplit;
  generation: number;
}

/** A frozen copy for the call log; a malformed split (rejected by setSplit right after) is kept as given. */
function recordable(split: TrafficSplit): TrafficSplit {
  try {
    return copySplit(split);
  } catch {
    return split;
  }
}

/** A TrafficRouter that only keeps state in maps (rules and mirror included), for orchestrator tests. */
export class MemoryRouter implements TrafficRouter {
  readonly kind = 'memory';
  readonly capabilities: ReadonlySet<RouterCapability> = new Set<RouterCapability>(['weights', 'sticky', 'header-match', 'source-match', 'flag-match', 'mirror']);
  readonly #routes = new Map<string, MemoryRoute>();
  readonly #calls: MemoryRouterCall[] = [];
  /** In-flight counts tests set per endpoint (setInflight); the memory router forwards nothing itself. */
  readonly #inflight = new Map<string, number>();
  #failures = 0;

  /** Every setSplit call so far, oldest first, failed ones included. */
  get calls(): readonly MemoryRouterCall[] {
    return this.#calls;
  }

  /** Makes the next `count` calls (any method but close) reject with ADAPTER_FAILED, without effect. */
  failNext(count = 1): void {
    this.#failures += count;
  }

  /** The route as last upserted, or undefined. */
  route(service: string): RouteSpec | undefined {
    return this.#routes.get(service)?.route;
  }

  /** Makes upstreamUse report `count` requests in flight to `endpoint` (default 0). */
  setInflight(endpoint: string, count: number): void {
    this.#inflight.set(endpoint, count);
  }

  async upsertRoute(route: RouteSpec, initial: TrafficSplit, signal?: AbortSignal): Promise<void> {
    this.#enter('upsertRoute', signal);
    const existing = this.#routes.get(route.service);
    if (existing !== undefined) {
      existing.route = route;
      return;
    }
    checkSplit(route.service, initial);
    this.#routes.set(route.service, { route, split: copySplit(initial), generation: 1 });
  }

  async setSplit(service: string, split: TrafficSplit, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.#calls.push({ service, split: recordable(split), injectedFailure: this.#failures > 0 });
    this.#enter('setSplit');
    const route = this.#route(service);
    checkSplit(service, split);
    if (equalSplits(route.split, split)) return;
    route.split = copySplit(split);
    route.generation += 1;
  }

  async observeSplit(service: string, signal?: AbortSignal): Promise<ObservedSplit> {
    this.#enter('observeSplit', signal);
    const { route, split, generation } = this.#route(service);
    return { ...split, generation, address: route.listen };
  }

  async upstreamUse(service: string, endpoint: string, signal?: AbortSignal): Promise<UpstreamUse> {
    this.#enter('upstreamUse', signal);
    const listed = Object.values(this.#route(service).route.backends).some((endpoints) => endpoints.includes(endpoint));
    return { routed: listed ? 'all' : 'none', inflight: this.#inflight.get(endpoint) ?? 0 };
  }

  async reset(service: string, signal?: AbortSignal): Promise<void> {
    this.#enter('reset', signal);
    const route = this.#route(service);
    // Everyone to stable: the weighted split, the rules and the mirror all go.
    const split = { stable: route.split.stable, weight: 0, salt: route.split.salt };
    if (equalSplits(route.split, split)) return;
    route.split = split;
    route.generation += 1;
  }

  async removeRoute(service: string, signal?: AbortSignal): Promise<void> {
    this.#enter('removeRoute', signal);
    this.#routes.delete(service);
  }

  async close(): Promise<void> {
    this.#routes.clear();
  }

  #enter(method: string, signal?: AbortSignal): void {
    signal?.throwIfAborted();
    if (this.#failures === 0) return;
    this.#failures -= 1;
    throw new SluiceError(ErrorCode.ADAPTER_FAILED, `memory router: injected ${method} failure (${this.#failures} more to come)`);
  }

  #route(service: string): MemoryRoute {
    const route = this.#routes.get(service);
    if (route === undefined) {
      throw new SluiceError(ErrorCode.SERVICE_NOT_FOUND, `the memory router has no route for service "${service}"; expected a service upserted first`, {
        details: { service },
      });
    }
    return route;
  }
}
