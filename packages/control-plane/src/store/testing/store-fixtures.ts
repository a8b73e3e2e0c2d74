import {
  type AnalysisTemplate,
  createRollout,
  DEFAULT_GRACE_PERIOD_MS,
  DEFAULT_READINESS,
  EventType,
  type NewReleaseEvent,
  type Revision,
  type Rollout,
  type Segment,
  type Service,
} from '@sluice/domain';
import type { Store } from '../store.js';

/** Opens an empty store for one test; `cleanup` closes it and removes what it created. */
export type OpenTestStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

/** Runs `body` against a fresh store and always cleans up. */
export async function withStore(open: OpenTestStore, body: (store: Store) => Promise<void>): Promise<void> {
  const { store, cleanup } = await open();
  try {
    await body(store);
  } finally {
    await cleanup();
  }
}

/** A service with one locally run version and one reached through fixed upstreams. */
export function makeService(name: string, stable = 'v1'): Service {
  return {
    name,
    version: 0,
    spec: {
      listen: '127.0.0.1:8080',
      stickiness: { header: 'x-user-id', cookie: `sluice-${name}` },
      versions: {
        v1: {
          kind: 'run',
          run: {
            command: 'node server.js',
            env: { PORT: '0', GREETING: 'hello' },
            replicas: 2,
            readiness: DEFAULT_READINESS,
            gracePeriodMs: DEFAULT_GRACE_PERIOD_MS,
          },
        },
        v2: { kind: 'upstreams', upstreams: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'] },
      },
      stable,
    },
    status: { stable, revision: 1 },
  };
}

/** A Pending canary rollout of v2 with timed and indefinite pauses. */
export function makeRollout(name: string, service: string, createdAt: number): Rollout {
  return createRollout(
    name,
    {
      service,
      target: 'v2',
      strategy: {
        kind: 'canary',
        steps: [
          { kind: 'setWeight', weight: 20 },
          { kind: 'pause', durationMs: 30_000 },
          { kind: 'setWeight', weight: 50.5 },
          { kind: 'pause' },
        ],
      },
    },
    'v1',
    createdAt,
  );
}

/** A release event about a rollout; `extra` adds the optional fields. */
export function makeEvent(
  service: string,
  rollout: string,
  at: number,
  extra: Partial<Pick<NewReleaseEvent, 'from' | 'to' | 'data' | 'type'>> = {},
): NewReleaseEvent {
  return {
    at,
    actor: 'controller',
    service,
    subject: { kind: 'Rollout', name: rollout },
    type: EventType.StepStarted,
    reason: `Step at ${at} of ${rollout} — naïve “quotes” ✓`,
    ...extra,
  };
}

/** A segment using every condition kind, so the stored body round-trips nested lists and maps. */
export function makeSegment(name: string): Segment {
  return {
    name,
    version: 0,
    spec: {
      match: [
        { kind: 'header', name: 'x-user-id', match: { in: ['u1', 'u2', 'ü3'] } },
        { kind: 'cookie', name: 'beta', match: { exact: '1' } },
        { kind: 'query', name: 'preview', match: { prefix: 'y' } },
        { kind: 'pathPrefix', prefix: '/api/' },
        { kind: 'method', methods: ['GET', 'HEAD'] },
        {
          kind: 'anyOf',
          groups: [[{ kind: 'sourceCidr', cidrs: ['10.0.0.0/8', '::ffff:10.0.0.0/104'] }], [{ kind: 'header', name: 'user-agent', match: { regex: '.*Mobile.*' } }]],
        },
      ],
    },
  };
}

/** An analysis template with two metrics and an argument, so the stored body round-trips nested specs. */
export function makeAnalysisTemplate(name: string): AnalysisTemplate {
  const gate = { count: 5, failureLimit: 1, inconclusiveLimit: 0, consecutiveErrorLimit: 4, consecutiveSuccessLimit: 0 };
  return {
    name,
    version: 0,
    spec: {
      args: [{ name: 'service' }, { name: 'threshold', value: '0.01' }],
      metrics: [
        {
          name: 'error-rate',
          provider: { kind: 'builtin' },
          judge: { kind: 'errorRate', requestsQuery: 'requests', errorsQuery: 'errors', options: { alpha: 0.01 } },
          timeoutMs: 10_000,
          retries: 2,
          intervalMs: 10_000,
          gate,
        },
        {
          name: 'p99 “latency” ✓',
          provider: { kind: 'web', baseUrl: 'http://127.0.0.1:9090', headers: { accept: 'application/json' } },
          query: '/metrics?service={{service}}',
          judge: { kind: 'threshold', successCondition: 'result < {{threshold}}' },
          windowMs: 60_000,
          timeoutMs: 5_000,
          retries: 0,
          intervalMs: 30_000,
          initialDelayMs: 0,
          gate: { ...gate, count: 0 },
        },
      ],
    },
  };
}

/** Revision `number` of a service built by makeService, serving `stable`; `extra` sets the optional fields. */
export function makeRevision(service: string, number: number, stable: string, createdAt: number, extra: Partial<Revision> = {}): Revision {
  return {
    service,
    number,
    stable,
    spec: { ...makeService(service, stable).spec, rollbackWindowMs: 86_400_000 },
    createdAt,
    actor: 'alice “quoted” ✓',
    outcome: number === 1 ? 'created' : 'promoted',
    ...(number === 1 ? {} : { rollout: `${service}-${stable}` }),
    ...extra,
  };
}
