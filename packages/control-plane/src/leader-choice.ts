import { hostname } from 'node:os';
import { ErrorCode, SluiceError, type Clock } from '@sluice/domain';
import { fencedStore } from './ha/fenced-store.js';
import { CONTROLLER_LEASE, LeaderElection, type Role } from './ha/leader-election.js';
import { startLeaderWork, type ControllerSlot, type LeaderWorkParts } from './leader-work.js';
import { WebhookDispatcher } from './notifications/webhook-dispatcher.js';
import type { Logger } from './platform/logger.js';
import type { Store } from './store/store.js';

/** Several control-plane processes on one PostgreSQL (sluice server --ha); see docs/ha.md. */
export interface HaChoice {
  readonly enabled: boolean;
  /** How long a dead leader can delay a takeover (default 3000 ms); renewals every quarter of it. */
  readonly leaseTtlMs?: number | undefined;
  /** This replica's name in the lease; host-pid by default. */
  readonly holder?: string | undefined;
}


/** Data planes that outlive a replica: the route tables live outside the control-plane process. */
const HA_DATA_PLANES = ['remote', 'gateway-api', 'istio'];

/** Refuses, before anything starts, an --ha setup that could not survive the loss of a replica. */
export function checkHaChoice(ha: HaChoice | undefined, choice: { databaseUrl?: string | undefined; dataPlane: string }): void {
  if (ha?.enabled !== true) return;
  if (choice.databaseUrl === undefined || !/^postgres(ql)?:\/\//.test(choice.databaseUrl)) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, '--ha needs a PostgreSQL database that every replica shares', {
      problems: [{ path: '--database-url', message: 'missing or not PostgreSQL', expected: 'postgres://… (env DATABASE_URL), the same for every replica' }],
    });
  }
  if (!HA_DATA_PLANES.includes(choice.dataPlane)) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `--ha with --data-plane ${choice.dataPlane}: that data plane lives inside one replica and would stop with it`, {
      problems: [{ path: '--data-plane', message: `${choice.dataPlane} is inside the control-plane process`, found: choice.dataPlane, expected: `one of ${HA_DATA_PLANES.join(', ')} (remote: run \`sluice proxy serve\` beside your services)` }],
    });
  }
}

export interface Leadership {
  /** The dispatcher the API's dead-letter retry writes through. */
  readonly dispatcher: WebhookDispatcher;
  role(): Role;
  /** The current term's fencing token (always 0 without --ha). */
  term(): number | undefined;
  stop(): Promise<void>;
}

/**
 * Without --ha this process always leads: the leader's work starts once, on the plain store. With
 * --ha it leads only while it holds the lease, each term writing through a store fenced by its token.
 */
export async function startLeadership(ha: HaChoice | undefined, deps: { store: Store; parts: LeaderWorkParts; slot: ControllerSlot; clock: Clock; log: Logger }): Promise<Leadership> {
  const { store, parts, slot } = deps;
  if (ha?.enabled !== true) {
    const work = await startLeaderWork(store, parts);
    slot.set({ controller: work.controller, store });
    return { dispatcher: work.dispatcher, role: () => 'leader', term: () => 0, stop: () => work.stop() };
  }
  const holder = ha.holder ?? `${hostname()}-${process.pid}`;
  const election = new LeaderElection({
    leases: store.leases,
    lease: CONTROLLER_LEASE,
    holder,
    clock: deps.clock,
    log: deps.log,
    ...(ha.leaseTtlMs === undefined ? {} : { ttlMs: ha.leaseTtlMs }),
    lead: async (token) => {
      const fenced = fencedStore(store, { lease: CONTROLLER_LEASE, token });
      const work = await startLeaderWork(fenced, parts);
      slot.set({ controller: work.controller, store: fenced });
      return {
        stop: async () => {
          slot.set(undefined);
          await work.stop();
        },
      };
    },
  });
  await election.start();
  await election.settled();
  deps.log.info('high availability: competing for the controller lease', { holder, role: election.role });
  const dispatcher = new WebhookDispatcher({ store, sender: parts.webhookSender, clock: deps.clock, log: deps.log });
  return { dispatcher, role: () => election.role, term: () => election.token, stop: () => election.stop() };
}
