import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, isSluiceError } from '@sluice/domain';
import { shopRollout, shopService } from '../orchestrator/testing/fixtures.js';
import { silentLogger } from '../platform/logger.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { fencedStore } from './fenced-store.js';
import { CONTROLLER_LEASE, LeaderElection } from './leader-election.js';

const fenced = (e: unknown) => isSluiceError(e) && e.code === ErrorCode.FENCED;

describe('fencedStore', () => {
  test('while the term lasts every write goes through; once another replica took the lease, every kind of write is FENCED and nothing lands', async () => {
    const store = new MemoryStore();
    const term = await store.leases.acquire(CONTROLLER_LEASE, 'a', 0, 1000);
    assert.ok(term);
    const a = fencedStore(store, { lease: CONTROLLER_LEASE, token: term.token });
    const service = await a.services.save(shopService(), 0);
    const rollout = await a.rollouts.save(shopRollout(), 0);
    assert.equal((await store.rollouts.get(rollout.name))?.version, 1);
    // a is paused past its lease; b takes over.
    assert.ok(await store.leases.acquire(CONTROLLER_LEASE, 'b', 2000, 1000));
    await assert.rejects(a.rollouts.save(rollout, rollout.version), fenced);
    await assert.rejects(a.services.save(service, service.version), fenced);
    await assert.rejects(a.events.append([{ at: 1, actor: 'controller', service: 'shop', subject: { kind: 'Rollout', name: rollout.name }, type: 'StepCompleted', reason: 'late' }]), fenced);
    await assert.rejects(a.routes.put({ service: 'shop', listen: '127.0.0.1:0', stickiness: { header: 'x', cookie: 'c' }, backends: {} }, { stable: 'v1', weight: 0, salt: 's' }), fenced);
    await assert.rejects(a.transaction(async (tx) => tx.rollouts.save(rollout, rollout.version)), fenced);
    assert.equal((await store.rollouts.get(rollout.name))?.version, 1);
    assert.deepEqual(await store.events.list({}), []);
    assert.equal(await store.routes.get('shop'), undefined);
    // Reads still work for the deposed replica.
    assert.equal((await a.rollouts.get(rollout.name))?.name, rollout.name);
  });
});

describe('LeaderElection', () => {
  test('one of two replicas leads; when it stops renewing, the other takes over after the TTL with a higher term and the first learns it was deposed', async () => {
    const store = new MemoryStore();
    let now = 0;
    const clock = { now: () => now };
    const log: string[] = [];
    const make = (holder: string) => {
      const terms: number[] = [];
      let stopped = 0;
      const election = new LeaderElection({
        leases: store.leases,
        lease: CONTROLLER_LEASE,
        holder,
        clock,
        log: { ...silentLogger, warn: (m) => log.push(`${holder}: ${m}`) },
        ttlMs: 1000,
        intervalMs: 60_000, // attempts driven by hand through start()
        lead: async (token) => {
          terms.push(token);
          return { stop: async () => void stopped++ };
        },
      });
      return { election, terms, stopped: () => stopped };
    };
    const a = make('a');
    const b = make('b');
    await a.election.start();
    await b.election.start();
    await a.election.settled();
    assert.equal(a.election.role, 'leader');
    assert.equal(b.election.role, 'follower');
    assert.deepEqual(a.terms, [1]);
    now = 999;
    await b.election.attempt();
    assert.equal(b.election.role, 'follower', 'not before the lease expires');
    now = 1000;
    await b.election.attempt();
    await b.election.settled();
    assert.equal(b.election.role, 'leader');
    assert.deepEqual(b.terms, [2]);
    // a wakes up: its renewal fails, it steps down and stops its work.
    await a.election.attempt();
    assert.equal(a.election.role, 'follower');
    assert.equal(a.stopped(), 1);
    assert.ok(log.some((l) => /a: stepping down/.test(l)));
    // b stops: it releases the lease, so a takes over at once.
    await b.election.stop();
    await a.election.attempt();
    await a.election.settled();
    assert.equal(a.election.role, 'leader');
    assert.deepEqual(a.terms, [1, 3]);
    await a.election.stop();
  });
});
