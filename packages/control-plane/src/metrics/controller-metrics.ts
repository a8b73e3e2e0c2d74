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

/**
 * `sluice_controller_leader` (1 while this replica leads, else 0) and `sluice_controller_term` (its
 * fencing token; 0 while following), read at scrape time: alert when no replica reports 1, or when
 * the term keeps growing (leaders changing hands).
 */
export function bindLeadershipMetrics(registry: Registry, leadership: { role(): 'leader' | 'follower'; term(): number | undefined }): void {
  new Gauge({
    name: 'sluice_controller_leader',
    help: '1 while this control-plane replica holds the controller lease, else 0',
    registers: [registry],
    collect() {
      this.set(leadership.role() === 'leader' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sluice_controller_term',
    help: 'The fencing token of the term this replica leads (0 while following)',
    registers: [registry],
    collect() {
      this.set(leadership.role() === 'leader' ? (leadership.term() ?? 0) : 0);
    },
  });
}
