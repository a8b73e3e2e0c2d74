import { EventType, type EventDraft, type EventSubjectKind, type NewReleaseEvent, type Revision, type Rollout, type RolloutChange, type Service } from '@sluice/domain';
import { afterCommitFailpoint, failpoint } from '../platform/failpoint.js';
import type { Store, StoreTransaction } from '../store/store.js';

export interface Stamp {
  readonly actor: string;
  readonly at: number;
  /** The client IP address of the API request behind the events (absent for the controller's). */
  readonly source?: string | undefined;
}

/** Turns drafts into events about one subject. */
export function stampEvents(
  drafts: readonly EventDraft[],
  subject: { kind: EventSubjectKind; name: string; service: string },
  stamp: Stamp,
): NewReleaseEvent[] {
  return drafts.map((d) => ({
    ...d,
    at: stamp.at,
    actor: stamp.actor,
    ...(stamp.source === undefined ? {} : { source: stamp.source }),
    service: subject.service,
    subject: { kind: subject.kind, name: subject.name },
  }));
}

/** A rollout change, optionally with a change to its service, to be written as one transaction. */
export interface Commit {
  readonly rollout: RolloutChange;
  /** The rollout as it was read; its version is the optimistic-concurrency check. */
  readonly base: Rollout;
  readonly service?: {
    readonly next: Service;
    readonly base: Service;
    readonly events: readonly EventDraft[];
    /** The revision the service change makes current (a promotion), recorded with it. */
    readonly revision?: Revision;
  };
}

/**
 * Saves the state change and its events atomically. Throws VersionConflictError when someone
 * else (an API command, another controller) wrote first; nothing is written then.
 */
export async function commitChange(store: Store, commit: Commit, stamp: Stamp): Promise<Rollout> {
  const saved = await store.transaction((tx: StoreTransaction) => writeCommit(tx, commit, stamp));
  afterCommit(commit);
  return saved;
}

/** The writes of one commit inside a transaction (commitChange, or several grouped by the CommitBatcher). */
export async function writeCommit(tx: StoreTransaction, commit: Commit, stamp: Stamp): Promise<Rollout> {
  const { rollout: change, base } = commit;
  const saved = await tx.rollouts.save(change.rollout, base.version);
  const name = change.rollout.name;
  const service = change.rollout.spec.service;
  const events = stampEvents(change.events, { kind: 'Rollout', name, service }, stamp);
  if (commit.service) {
    const { next, base: serviceBase, events: serviceEvents, revision } = commit.service;
    await tx.services.save(next, serviceBase.version);
    if (revision !== undefined) await tx.revisions.append(revision);
    events.push(...stampEvents(serviceEvents, { kind: 'Service', name: next.name, service }, stamp));
  }
  if (events.length > 0) await tx.events.append(events);
  return saved;
}

/** After a commit is durable: the crash tests' failpoints. */
export function afterCommit(commit: Commit): void {
  afterCommitFailpoint(commit.rollout.events);
  // Crash tests: the rollback operation this commit recorded is durable; the next one has not begun.
  for (const e of commit.rollout.events) if (e.type === EventType.RollbackProgressed) failpoint(`rollback.after-${e.to}`);
}
