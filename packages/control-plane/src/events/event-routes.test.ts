import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType, type NewReleaseEvent } from '@sluice/domain';
import { T0 } from '../orchestrator/testing/fixtures.js';
import { startTestApi, type TestApi } from '../http/testing/api-server.js';

async function withApi(body: (api: TestApi) => Promise<void>): Promise<void> {
  const api = await startTestApi();
  try {
    await body(api);
  } finally {
    await api.close();
  }
}

const event = (i: number, over: Partial<NewReleaseEvent> = {}): NewReleaseEvent => ({
  at: T0 + i,
  actor: 'controller',
  service: 'shop',
  subject: { kind: 'Rollout', name: 'shop-v2' },
  type: EventType.StepStarted,
  reason: `event ${i}`,
  ...over,
});

describe('GET /events filters and paging', () => {
  test('service, actor, type, subject, before and order=desc filter and page the log', () =>
    withApi(async (api) => {
      const all = await api.store.events.append([
        event(0, { type: EventType.ServiceCreated, subject: { kind: 'Service', name: 'shop' }, actor: 'alice' }),
        event(1),
        event(2, { type: EventType.CommandAccepted, to: 'pause', actor: 'alice' }),
        event(3, { service: 'cart', subject: { kind: 'Rollout', name: 'cart-v2' } }),
        event(4, { type: EventType.PhaseChanged }),
      ]);
      const seqs = async (query: string) => {
        const { status, body } = await api.call(`/events${query}`);
        assert.equal(status, 200, `${query}: ${JSON.stringify(body)}`);
        return body.items.map((e: { seq: number }) => all.findIndex((a) => a.seq === e.seq));
      };
      assert.deepEqual((await api.call('/events')).body.items, all);
      assert.deepEqual(await seqs('?service=cart'), [3]);
      assert.deepEqual(await seqs('?actor=alice'), [0, 2]);
      assert.deepEqual(await seqs('?type=CommandAccepted,PhaseChanged'), [2, 4]);
      assert.deepEqual(await seqs('?subject=Service/shop'), [0]);
      assert.deepEqual(await seqs(`?subject=${encodeURIComponent('Rollout/shop-v2')}&type=StepStarted`), [1]);
      assert.deepEqual(await seqs('?order=desc'), [4, 3, 2, 1, 0]);
      assert.deepEqual(await seqs('?order=desc&limit=2'), [4, 3]);
      assert.deepEqual(await seqs(`?order=desc&limit=2&before=${all[3]?.seq}`), [2, 1]);
      assert.deepEqual(await seqs(`?after=${all[0]?.seq}&before=${all[3]?.seq}`), [1, 2]);
      assert.deepEqual(await seqs('?service=shop&actor=alice&order=desc'), [2, 0]);
    }));

  test('source filters by client address (as recorded: lower case, IPv4-mapped as IPv4), and events carry it', () =>
    withApi(async (api) => {
      const all = await api.store.events.append([
        event(0, { actor: 'alice', source: '203.0.113.7', data: { note: '"source":"198.51.100.1"' } }),
        event(1, { actor: 'bob', source: '2001:db8::1' }),
        event(2),
        event(3, { subject: { kind: 'Flag', name: 'checkout' }, service: '', type: EventType.ResourceChanged, to: 'kill', source: '198.51.100.1' }),
      ]);
      const seqs = async (query: string) => (await api.call(`/events${query}`)).body.items.map((e: { seq: number }) => all.findIndex((a) => a.seq === e.seq));
      assert.deepEqual(await seqs('?source=203.0.113.7'), [0]);
      assert.deepEqual(await seqs('?source=::ffff:203.0.113.7'), [0]);
      assert.deepEqual(await seqs('?source=2001:DB8::1'), [1]);
      assert.deepEqual(await seqs('?source=198.51.100.1'), [3]);
      assert.deepEqual(await seqs('?subject=Flag/checkout'), [3]);
      assert.equal((await api.call('/events?source=203.0.113.7')).body.items[0].source, '203.0.113.7');
    }));

  test('bad values are 400 INVALID_REQUEST naming the parameter and what is expected', () =>
    withApi(async (api) => {
      const cases: [string, string, RegExp][] = [
        ['?order=newest', '?order', /asc or desc/],
        ['?type=StepStarted,Nope', '?type', /comma-separated list of event types \(ServiceCreated/],
        ['?type=', '?type', /event types/],
        ['?subject=shop-v2', '?subject', /Kind\/name with Kind one of Service, Rollout, Flag, Segment/],
        ['?subject=Deployment/x', '?subject', /Kind\/name/],
        ['?source=not-an-ip', '?source', /an IPv4 or IPv6 address/],
        ['?source=fe80::1%25eth0', '?source', /an IPv4 or IPv6 address/],
        ['?subject=Rollout/', '?subject', /Kind\/name/],
        ['?before=0', '?before', /an integer from 1 to/],
        ['?before=x', '?before', /an integer/],
        ['?after=-1', '?after', /an integer from 0/],
        ['?limit=10001', '?limit', /from 1 to 10000/],
        ['?service=', '?service', /non-empty string of at most 253/],
        [`?actor=${'a'.repeat(101)}`, '?actor', /at most 100 characters/],
      ];
      for (const [query, path, expected] of cases) {
        const { status, body } = await api.call(`/events${query}`);
        assert.equal(status, 400, query);
        assert.equal(body.error.code, 'INVALID_REQUEST', query);
        const problem = body.error.details.problems[0];
        assert.equal(problem.path, path, query);
        assert.match(problem.expected, expected, query);
      }
    }));
});
