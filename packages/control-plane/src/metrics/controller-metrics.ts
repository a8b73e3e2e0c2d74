import { Phase } from '@sluice/domain';
import { Gauge, type Registry } from 'prom-client';
import type { Store } from '../store/store.js';

/**
 * Rollout gauges, read from the store at scrape time (so they are right after a restart):
 * `sluice_rollout_phase{rollout,service,phase}` is 1 for the current phase, and
 * `sluice_rollout_canary_weight{rollout,service}` is the weight the controller wants.
 */
export function bindControllerMetrics(registry: Registry, store: Store): void {
  const weight = new Gauge({ name: 'sluice_rollout_canary_weight', help: 'Canary weight (percent) the controller wants', labelNames: ['rollout', 'service'], registers: [registry] });
  new Gauge({
    name: 'sluice_rollout_phase',
    help: 'Rollout phase: 1 for the current phase, 0 for the others',
    labelNames: ['rollout', 'service', 'phase'],
    registers: [registry],
    async collect() {
      this.reset();
      weight.reset();
      for (const r of await store.rollouts.list()) {
        for (const phase of Object.values(Phase)) {
          this.set({ rollout: r.name, service: r.spec.service, phase }, r.status.phase === phase ? 1 : 0);
        }
        weight.set({ rollout: r.name, service: r.spec.service }, r.status.canaryWeight);
      }
    },
  });
}
