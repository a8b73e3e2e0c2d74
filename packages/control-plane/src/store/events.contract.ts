import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { ErrorCode, EventType, SluiceError, type NewReleaseEvent, type ReleaseEvent } from '@sluice/domain';
import { makeEvent, withStore, type OpenTestStore } from './testing/store-fixtures.js';

const T0 = Date.UTC(2026, 0, 1);

function assertIncreasing(events: readonly ReleaseEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok((events[i]?.seq ?? 0) > (events[i - 1]?.seq ?? 0), `seq must increase at index ${i}`);
  }
}

const serviceEvent = (service: string, at: number): NewReleaseEvent => ({
  at,
  actor: 'alice@example.com',
  service,
  subject: { kind: 'Service', name: service },
  type: EventType.ServiceCreated,
  reason: `Service ${service} created`,
});

export function registerEventTests(open: OpenTestStore): void {
  describe('events', () => {
    test('append returns the events with increasing seq; list returns them exactly', () =>
      withStore(open, async (store) => {
        const drafts = [
          serviceEvent('checkout', T0),
          makeEvent('checkout', 'checkout-v2', T0 + 1, { type: EventType.PhaseChanged, from: 'Pending', to: 'Progressing' }),
          makeEvent('checkout', 'checkout-v2', T0 + 2, { data: { pauseUntil: T0 + 30_000, nested: { list: [1, 'two', null] } } }),
        ];
        const appended = await store.events.append(drafts);
        assert.equal(appended.length, 3);
        assertIncreasing(appended);
        appended.forEach((event, i) => assert.deepEqual(event, { seq: event.seq, ...drafts[i] }));
        assert.deepEqual(await store.events.list(), appended);
        assert.equal('from' in (appended[0] ?? {}), false, 'absent optional fields stay absent');
        assert.deepEqual(await store.events.append([]), []);
      }));

    test('seq strictly increases across separate and concurrent transactions', () =>
      withStore(open, async (store) => {
        const first = await store.events.append([serviceEvent('a', T0)]);
        const second = await store.transaction((tx) => tx.events.append([serviceEvent('b', T0), serviceEvent('c', T0)]));
        const batch = (n: number) =>
          store.transaction((tx) => tx.events.append([1, 2, 3].map((i) => makeEvent('svc', `r${n}`, T0 + i))));
        const concurrent = await Promise.all([batch(1), batch(2), batch(3), batch(4)]);
        const all = await store.events.list();
        assert.equal(all.length, 15);
        assertIncreasing(all);
        assert.ok((second[0]?.seq ?? 0) > (first[0]?.seq ?? Infinity));
        for (const returned of concurrent) {
          assertIncreasing(returned);
          for (const event of returned) assert.deepEqual(all.find((e) => e.seq === event.seq), event);
        }
      }));

    test('seq order is commit order: no reader sees a seq while a lower one is uncommitted', () =>
      withStore(open, async (store) => {
        let openGate!: () => void;
        const gate = new Promise<void>((resolve) => (openGate = resolve));
        let appendedA!: () => void;
        const aAppended = new Promise<void>((resolve) => (appendedA = resolve));
        const a = store.transaction(async (tx) => {
          const events = await tx.events.append([makeEvent('svc', 'a', T0)]);
          appendedA();
          await gate;
          return events;
        });
        await aAppended;
        const b = store.transaction((tx) => tx.events.append([makeEvent('svc', 'b', T0 + 1)]));
        let seen: readonly ReleaseEvent[];
        try {
          // Give B time to commit ahead of A if the store allowed it (it must not). A store whose
          // plain reads wait for the open transaction (SQLite) shows nothing by the deadline: fine too.
          await Promise.race([b, sleep(150)]);
          seen = await Promise.race([store.events.list(), sleep(150).then(() => [])]);
        } finally {
          openGate();
        }
        const [fromA, fromB] = await Promise.all([a, b]);
        assert.deepEqual(seen, [], 'an event committed after a lower, still uncommitted seq was visible');
        assert.ok((fromB[0]?.seq ?? 0) > (fromA[0]?.seq ?? Infinity));
        assert.deepEqual(await store.events.list(), [...fromA, ...fromB]);
      }));

    test('events of a failed transaction are never visible and their seq gap keeps order', () =>
      withStore(open, async (store) => {
        const before = await store.events.append([makeEvent('checkout', 'r1', T0), makeEvent('checkout', 'r1', T0 + 1)]);
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.events.append([makeEvent('checkout', 'ghost', T0 + 2), makeEvent('checkout', 'ghost', T0 + 3)]);
            throw new Error('rolled back');
          }),
          /rolled back/,
        );
        const after = await store.events.append([makeEvent('checkout', 'r1', T0 + 4)]);
        const all = await store.events.list();
        assert.deepEqual(all, [...before, ...after]);
        assertIncreasing(all);
        assert.deepEqual(await store.events.list({ afterSeq: before[1]?.seq ?? 0 }), after);
        assert.deepEqual(await store.events.list({ subject: { kind: 'Rollout', name: 'ghost' } }), []);
      }));

    test('list filters by service, subject, afterSeq and limit, oldest first', () =>
      withStore(open, async (store) => {
        const appended = await store.events.append([
          serviceEvent('checkout', T0),
          makeEvent('checkout', 'checkout-v2', T0 + 1),
          serviceEvent('payments', T0 + 2),
          makeEvent('payments', 'payments-v2', T0 + 3),
          makeEvent('checkout', 'checkout-v2', T0 + 4),
          makeEvent('checkout', 'checkout-v3', T0 + 5),
        ]);
        const pick = (...indexes: number[]) => indexes.map((i) => appended[i]);
        const seqOf = (i: number) => appended[i]?.seq ?? 0;
        assert.deepEqual(await store.events.list({ service: 'checkout' }), pick(0, 1, 4, 5));
        assert.deepEqual(await store.events.list({ subject: { kind: 'Rollout', name: 'checkout-v2' } }), pick(1, 4));
        assert.deepEqual(await store.events.list({ subject: { kind: 'Service', name: 'checkout-v2' } }), []);
        assert.deepEqual(await store.events.list({ subject: { kind: 'Service', name: 'payments' } }), pick(2));
        assert.deepEqual(await store.events.list({ afterSeq: seqOf(2) }), pick(3, 4, 5));
        assert.deepEqual(await store.events.list({ limit: 2 }), pick(0, 1));
        assert.deepEqual(await store.events.list({ limit: 0 }), []);
        assert.deepEqual(await store.events.list({ service: 'checkout', afterSeq: seqOf(1), limit: 1 }), pick(4));
        assert.deepEqual(await store.events.list({ afterSeq: seqOf(5) }), []);
        assert.deepEqual(await store.events.list({ service: 'nobody' }), []);
      }));

    test('list filters by types and excludeTypes, combined with the other filters', () =>
      withStore(open, async (store) => {
        const measured = (rollout: string, at: number) => makeEvent('checkout', rollout, at, { type: EventType.AnalysisMeasured, data: { result: 'pass' } });
        const appended = await store.events.append([
          serviceEvent('checkout', T0),
          makeEvent('checkout', 'checkout-v2', T0 + 1),
          measured('checkout-v2', T0 + 2),
          makeEvent('checkout', 'checkout-v2', T0 + 3, { type: EventType.AnalysisDecided, to: 'passed' }),
          measured('checkout-v3', T0 + 4),
          measured('checkout-v2', T0 + 5),
          makeEvent('checkout', 'checkout-v2', T0 + 6, { type: EventType.ApprovalRecorded, to: 'approved' }),
        ]);
        const pick = (...indexes: number[]) => indexes.map((i) => appended[i]);
        const v2 = { kind: 'Rollout' as const, name: 'checkout-v2' };
        const analysis = [EventType.AnalysisMeasured, EventType.AnalysisDecided];
        assert.deepEqual(await store.events.list({ types: [EventType.AnalysisMeasured] }), pick(2, 4, 5));
        assert.deepEqual(await store.events.list({ subject: v2, types: analysis }), pick(2, 3, 5));
        assert.deepEqual(await store.events.list({ subject: v2, excludeTypes: [EventType.AnalysisMeasured] }), pick(1, 3, 6));
        assert.deepEqual(await store.events.list({ excludeTypes: [EventType.AnalysisMeasured, EventType.ServiceCreated] }), pick(1, 3, 6));
        assert.deepEqual(await store.events.list({ types: analysis, excludeTypes: [EventType.AnalysisMeasured] }), pick(3));
        assert.deepEqual(await store.events.list({ subject: v2, types: analysis, afterSeq: appended[2]?.seq ?? 0, limit: 1 }), pick(3));
        // The limit counts matching events only: skipped types do not use it up.
        assert.deepEqual(await store.events.list({ types: [EventType.ApprovalRecorded], limit: 1 }), pick(6));
        assert.deepEqual(await store.events.list({ types: [] }), [], 'no types: nothing matches');
        assert.deepEqual(await store.events.list({ excludeTypes: [] }), appended, 'nothing excluded');
        assert.deepEqual(await store.events.list({ types: [EventType.LoadFinished] }), []);
      }));

    test('list filters by actor and beforeSeq, and pages newest first with order desc', () =>
      withStore(open, async (store) => {
        const by = (actor: string, event: NewReleaseEvent): NewReleaseEvent => ({ ...event, actor });
        const appended = await store.events.append([
          by('alice', serviceEvent('checkout', T0)),
          makeEvent('checkout', 'checkout-v2', T0 + 1),
          by('bob', makeEvent('checkout', 'checkout-v2', T0 + 2, { type: EventType.CommandAccepted, to: 'pause' })),
          makeEvent('payments', 'payments-v2', T0 + 3),
          by('alice', makeEvent('checkout', 'checkout-v2', T0 + 4, { type: EventType.CommandAccepted, to: 'resume' })),
          makeEvent('checkout', 'checkout-v2', T0 + 5, { type: EventType.PhaseChanged }),
        ]);
        const pick = (...indexes: number[]) => indexes.map((i) => appended[i]);
        const seqOf = (i: number) => appended[i]?.seq ?? 0;
        const v2 = { kind: 'Rollout' as const, name: 'checkout-v2' };
        assert.deepEqual(await store.events.list({ actor: 'alice' }), pick(0, 4));
        assert.deepEqual(await store.events.list({ actor: 'Alice' }), [], 'actor is exact');
        assert.deepEqual(await store.events.list({ beforeSeq: seqOf(2) }), pick(0, 1));
        assert.deepEqual(await store.events.list({ afterSeq: seqOf(0), beforeSeq: seqOf(3) }), pick(1, 2));
        assert.deepEqual(await store.events.list({ beforeSeq: seqOf(0) }), []);
        assert.deepEqual(await store.events.list({ order: 'desc' }), pick(5, 4, 3, 2, 1, 0));
        assert.deepEqual(await store.events.list({ order: 'asc', limit: 2 }), pick(0, 1));
        // Newest first with a limit keeps the newest; `before` the last seq seen gives the next page.
        assert.deepEqual(await store.events.list({ order: 'desc', limit: 2 }), pick(5, 4));
        assert.deepEqual(await store.events.list({ order: 'desc', limit: 2, beforeSeq: seqOf(4) }), pick(3, 2));
        assert.deepEqual(await store.events.list({ order: 'desc', subject: v2, types: [EventType.CommandAccepted], limit: 1 }), pick(4));
        assert.deepEqual(await store.events.list({ order: 'desc', service: 'checkout', actor: 'controller', afterSeq: seqOf(1), beforeSeq: seqOf(5) }), []);
        assert.deepEqual(await store.events.list({ order: 'desc', service: 'checkout', actor: 'controller', afterSeq: seqOf(0) }), pick(5, 1));
      }));

    test('source, subject kinds beyond Service and Rollout, and before/after round-trip; list filters by source exactly', () =>
      withStore(open, async (store) => {
        const from = (source: string, event: NewReleaseEvent): NewReleaseEvent => ({ ...event, source });
        const flag: NewReleaseEvent = { at: T0 + 3, actor: 'bob', service: '', subject: { kind: 'Flag', name: 'checkout' }, type: EventType.ResourceChanged, to: 'kill', reason: 'kill', data: { before: { enabled: true }, after: { enabled: false } } };
        const appended = await store.events.append([
          from('203.0.113.7', serviceEvent('checkout', T0)),
          makeEvent('checkout', 'checkout-v2', T0 + 1, { data: { note: '"source":"203.0.113.7"' } }),
          from('2001:db8::1', makeEvent('checkout', 'checkout-v2', T0 + 2)),
          from('203.0.113.70', flag),
        ]);
        assert.deepEqual(await store.events.list(), appended);
        assert.deepEqual(await store.events.list({ source: '203.0.113.7' }), [appended[0]]);
        assert.deepEqual(await store.events.list({ source: '2001:db8::1' }), [appended[2]]);
        assert.deepEqual(await store.events.list({ source: '203.0.113.70', subject: { kind: 'Flag', name: 'checkout' } }), [appended[3]]);
        assert.deepEqual(await store.events.list({ source: '198.51.100.1' }), []);
      }));

    test('list returns at most 1000 events by default', () =>
      withStore(open, async (store) => {
        const drafts = Array.from({ length: 1001 }, (_, i) => makeEvent('checkout', 'bulk', T0 + i));
        const appended = await store.transaction((tx) => tx.events.append(drafts));
        const page = await store.events.list();
        assert.equal(page.length, 1000);
        assert.deepEqual(page[999], appended[999]);
        assert.deepEqual(await store.events.list({ afterSeq: page[999]?.seq ?? 0 }), [appended[1000]]);
      }));

    test('an invalid limit or afterSeq is an INVALID_REQUEST', () =>
      withStore(open, async (store) => {
        const invalid = (error: unknown) => error instanceof SluiceError && error.code === ErrorCode.INVALID_REQUEST;
        await assert.rejects(async () => store.events.list({ limit: -1 }), invalid);
        await assert.rejects(async () => store.events.list({ limit: 2.5 }), invalid);
        await assert.rejects(async () => store.events.list({ afterSeq: Number.NaN }), invalid);
        await assert.rejects(async () => store.events.list({ beforeSeq: -3 }), invalid);
        await assert.rejects(async () => store.events.list({ order: 'newest' as 'desc' }), invalid);
      }));
  });
}
