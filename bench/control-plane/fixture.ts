// The services and rollouts of the control-plane benchmark, written as `apply` would write them.
import { createRollout, DEFAULT_GRACE_PERIOD_MS, DEFAULT_READINESS, EventType, type Rollout, type Service, type Step } from '@sluice/domain';
import type { Store } from '../../packages/control-plane/src/store/store.js';

export const serviceName = (i: number): string => `svc-${String(i).padStart(4, '0')}`;
export const rolloutName = (i: number, n: number): string => `${serviceName(i)}-r${n}`;

function service(i: number): Service {
  const run = (version: string) => ({
    kind: 'run' as const,
    run: { command: 'node app.js', env: { VERSION: version }, replicas: 1, readiness: DEFAULT_READINESS, gracePeriodMs: DEFAULT_GRACE_PERIOD_MS },
  });
  const name = serviceName(i);
  return {
    name,
    version: 0,
    spec: { listen: `127.0.0.1:${20_000 + i}`, stickiness: { header: 'x-user-id', cookie: `sluice-${name}` }, versions: { v1: run('v1'), v2: run('v2') }, stable: 'v1' },
    status: { stable: 'v1', revision: 1 },
  };
}

/** setWeight 10 → pause → setWeight 50 → pause → setWeight 100, then the promotion. */
export function benchSteps(pauseMs: number): Step[] {
  return [
    { kind: 'setWeight', weight: 10 },
    { kind: 'pause', durationMs: pauseMs },
    { kind: 'setWeight', weight: 50 },
    { kind: 'pause', durationMs: pauseMs },
    { kind: 'setWeight', weight: 100 },
  ];
}

/** Writes services 0 … count−1 (no rollout yet), `batch` per transaction. */
export async function seedServices(store: Store, count: number, at: number, batch = 100): Promise<void> {
  for (let first = 0; first < count; first += batch) {
    await store.transaction(async (tx) => {
      for (let i = first; i < Math.min(count, first + batch); i++) {
        const s = service(i);
        await tx.services.save(s, 0);
        await tx.events.append([{ at, actor: 'bench', service: s.name, subject: { kind: 'Service', name: s.name }, type: EventType.ServiceCreated, reason: `Service ${s.name} created` }]);
      }
    });
  }
}

/** Creates rollout number `n` of service `i` with its RolloutCreated event, as `sluice apply` does. */
export async function createBenchRollout(store: Store, i: number, n: number, target: 'v1' | 'v2', steps: readonly Step[], now: number): Promise<Rollout> {
  const stable = target === 'v2' ? 'v1' : 'v2';
  const rollout = createRollout(rolloutName(i, n), { service: serviceName(i), target, strategy: { kind: 'canary', steps } }, stable, now, 'bench');
  return store.transaction(async (tx) => {
    const saved = await tx.rollouts.save(rollout, 0);
    const reason = `Rollout ${rollout.name} created: ${stable} → ${target} in ${steps.length} steps`;
    await tx.events.append([{ at: now, actor: 'bench', service: serviceName(i), subject: { kind: 'Rollout', name: rollout.name }, type: EventType.RolloutCreated, from: stable, to: target, reason }]);
    return saved;
  });
}
