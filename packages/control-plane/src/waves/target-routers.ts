import type { TrafficRouter } from '../traffic/traffic-router.js';
import type { TargetStore } from '../store/store.js';

/**
 * One TrafficRouter per Target, created on first use by the factory the composition root gives (today
 * an in-process built-in proxy per target, each with its own listeners; later nginx, HAProxy or
 * Kubernetes routers by the target's dataPlane kind). Every router's observations go to the same
 * traffic windows, so metrics per service and version are fleet-wide.
 */
export class TargetRouters {
  readonly #create: (target: string) => TrafficRouter;
  readonly #routers = new Map<string, TrafficRouter>();

  constructor(create: (target: string) => TrafficRouter) {
    this.#create = create;
  }

  /** The router of `target`, created on first use. */
  router(target: string): TrafficRouter {
    let router = this.#routers.get(target);
    if (router === undefined) {
      router = this.#create(target);
      this.#routers.set(target, router);
    }
    return router;
  }

  /** The router of `target` if one was created (a target that never served anything has none). */
  existing(target: string): TrafficRouter | undefined {
    return this.#routers.get(target);
  }

  /** Stops every target's routes, draining in-flight requests. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#routers.values()].map((r) => r.close()));
    this.#routers.clear();
  }
}

/** What the controller needs to serve targets: their routers and the stored Targets. */
export interface TargetRouting {
  readonly routers: TargetRouters;
  readonly store: TargetStore;
}
