import type { ReleaseEvent } from '@sluice/domain';
import type { RevisionView, RolloutView, ServiceView } from '../api-types.js';

/** 2026-01-01T00:00:00Z: the default ManualClock start. */
export const T0 = Date.UTC(2026, 0, 1);

const STEPS = [
  { kind: 'setWeight', weight: 20 },
  { kind: 'pause', durationMs: 30_000 },
  { kind: 'setWeight', weight: 50 },
  { kind: 'pause' },
  { kind: 'setWeight', weight: 100 },
] as const;
const DESCRIPTIONS = ['setWeight 20', 'pause 30s', 'setWeight 50', 'pause (until promoted)', 'setWeight 100'];

type StatusPatch = { [K in keyof RolloutView['status']]?: RolloutView['status'][K] | undefined };

/** The demo rollout shop-v2 (v1 → v2, five steps), paused at step 2 with 20 % on v2 unless overridden; an undefined field is removed. */
export function rolloutView(
  status: StatusPatch = {},
  extra: { name?: string; events?: ReleaseEvent[] } = {},
): RolloutView {
  const full = {
    phase: 'Paused' as const,
    stepIndex: 1,
    canaryWeight: 20,
    stable: 'v1',
    pausedAt: T0,
    pauseUntil: T0 + 30_000,
    message: 'Paused at step 2 for 30s',
    createdAt: T0 - 90_000,
    updatedAt: T0,
    ...status,
  };
  for (const key of Object.keys(full) as (keyof typeof full)[]) if (full[key] === undefined) delete full[key];
  const index = full.stepIndex ?? 0;
  return {
    name: extra.name ?? 'shop-v2',
    version: 3,
    spec: { service: 'shop', target: 'v2', strategy: { kind: 'canary', steps: STEPS } },
    status: full as RolloutView['status'],
    steps: DESCRIPTIONS.map((description, i) => ({
      index: i,
      kind: STEPS[i]?.kind ?? 'pause',
      description,
      state: i < index ? 'done' : i === index ? 'current' : 'pending',
    })),
    events: extra.events ?? [],
  };
}

let nextSeq = 1;

/** A rollout event of shop-v2. */
export function rolloutEvent(fields: Partial<ReleaseEvent> & Pick<ReleaseEvent, 'type' | 'reason'>): ReleaseEvent {
  return {
    seq: nextSeq++,
    at: T0,
    actor: 'controller',
    service: 'shop',
    subject: { kind: 'Rollout', name: 'shop-v2' },
    ...fields,
  };
}

export function serviceView(overrides: Partial<ServiceView> = {}): ServiceView {
  return {
    name: 'shop',
    version: 2,
    spec: {
      listen: '127.0.0.1:8080',
      stickiness: { header: 'x-user-id', cookie: 'sluice-shop' },
      versions: {
        v1: { kind: 'upstreams', upstreams: ['http://127.0.0.1:9101'] },
        v2: { kind: 'upstreams', upstreams: ['http://127.0.0.1:9102'] },
      },
      stable: 'v1',
    },
    status: { stable: 'v1', revision: 1 },
    activeRollout: 'shop-v2',
    traffic: { stable: 'v1', canary: 'v2', weight: 20, salt: 'shop-v2', generation: 4, address: '127.0.0.1:8080' },
    ...overrides,
  };
}

/**
 * The revisions of shop: 1 created with v1 by alice at T0, 2 promoted to v2 by rollout shop-v2 a
 * minute later (current).
 */
export function shopRevisions(): RevisionView[] {
  const spec = serviceView().spec;
  return [
    { service: 'shop', number: 1, stable: 'v1', spec, createdAt: T0, actor: 'alice', outcome: 'created', current: false, supersededAt: T0 + 60_000, undoable: true },
    { service: 'shop', number: 2, stable: 'v2', spec, createdAt: T0 + 60_000, actor: 'controller', rollout: 'shop-v2', outcome: 'promoted', current: true, undoable: false, reason: 'it is the current revision' },
  ];
}
