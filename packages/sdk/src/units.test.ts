// Unit tests for the small modules: emitter, diff, telemetry, cache, backoff.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localStorageCache, memoryCache, type StorageLike } from './cache.js';
import { changedFlags } from './diff.js';
import { Emitter } from './emitter.js';
import { EventQueue, MAX_QUEUED_EVENTS, MetricsBucket, invalidEvent } from './telemetry.js';
import { feature } from './testing/protocol-server.js';
import { backoffDelay } from './timers.js';

describe('Emitter', () => {
  it('delivers to every listener even when one throws; once and off work', () => {
    const uncaught: unknown[] = [];
    const e = new Emitter<{ x: number }>((err) => uncaught.push(err));
    const got: number[] = [];
    e.on('x', () => {
      throw new Error('listener bug');
    });
    e.on('x', (n) => got.push(n));
    e.once('x', (n) => got.push(n * 10));
    e.emit('x', 1);
    e.emit('x', 2);
    assert.deepEqual(got, [1, 10, 2]);
    assert.equal(uncaught.length, 2, 'a throwing listener is reported, not fatal to the emit');
    e.removeAll();
    assert.equal(e.listenerCount('x'), 0);
  });
});

describe('changedFlags', () => {
  it('finds added, removed and changed flags, and flags depending on a changed segment or parent', () => {
    const before = {
      features: [feature('a'), feature('b'), feature('seg', true, { strategies: [{ name: 'default', segments: [1] }] }), feature('child', true, { dependencies: [{ feature: 'a' }] })],
      segments: [{ id: 1, constraints: [] }],
    };
    const after = {
      features: [feature('a', false), feature('c'), before.features[2]!, before.features[3]!],
      segments: [{ id: 1, constraints: [{ contextName: 'userId', operator: 'IN', values: ['x'] }] }],
    };
    assert.deepEqual(changedFlags(before, after), ['a', 'b', 'c', 'child', 'seg']);
    assert.deepEqual(changedFlags(before, before), []);
  });
});

describe('telemetry', () => {
  it('a bucket drains counts once and skips flags not evaluated since', () => {
    const bucket = new MetricsBucket(100);
    bucket.count('a', true, 'blue');
    bucket.count('a', false, 'disabled');
    bucket.count('b', true);
    const base = { environment: 'e', appName: 'app', instanceId: 'i' };
    assert.deepEqual(bucket.drain(200, base), { ...base, start: 100, stop: 200, toggles: { a: { yes: 1, no: 1, variants: { blue: 1, disabled: 1 } }, b: { yes: 1, no: 0, variants: {} } } });
    assert.equal(bucket.drain(300, base), undefined);
    bucket.count('b', false);
    assert.deepEqual(bucket.drain(400, base)?.toggles, { b: { yes: 0, no: 1, variants: {} } });
    assert.equal(bucket.drain(500, base)?.start, undefined);
  });

  it('the queue batches by 1000 and caps what it keeps', () => {
    const q = new EventQueue();
    for (let i = 0; i < 2500; i++) q.push({ key: 'k', event: 'e', at: i });
    assert.deepEqual(q.takeBatches().map((b) => b.length), [1000, 1000, 500]);
    for (let i = 0; i < MAX_QUEUED_EVENTS + 5; i++) q.push({ key: 'k', event: 'e', at: i });
    assert.equal(q.size, MAX_QUEUED_EVENTS);
    assert.equal(q.takeBatches()[0]?.[0]?.at, 5, 'the oldest were dropped');
  });

  it('validates event names and keys like the server', () => {
    assert.equal(invalidEvent('checkout:done/v2.1_a-b', 'u1'), undefined);
    assert.equal(invalidEvent('has space', 'u1')?.code, 'INVALID_EVENT');
    assert.equal(invalidEvent('', 'u1')?.code, 'INVALID_EVENT');
    assert.equal(invalidEvent('e'.repeat(101), 'u1')?.code, 'INVALID_EVENT');
    assert.equal(invalidEvent('e', 'k'.repeat(201))?.code, 'INVALID_EVENT');
  });
});

describe('caches', () => {
  it('localStorageCache round-trips, and ignores corrupt entries, full storage and missing storage', () => {
    const items = new Map<string, string>();
    const storage: StorageLike = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
    const cache = localStorageCache('flags', storage);
    assert.equal(cache.load(), undefined);
    cache.save({ features: [feature('a')] });
    assert.deepEqual(cache.load(), { features: [feature('a')], segments: [] });
    items.set('flags', '{broken');
    assert.equal(cache.load(), undefined);
    items.set('flags', '{"features":"nope"}');
    assert.equal(cache.load(), undefined);
    const full = localStorageCache('flags', { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); } });
    assert.doesNotThrow(() => full.save({ features: [] }));
    assert.equal(localStorageCache('flags').load(), undefined, 'no localStorage in Node: no cache');
  });

  it('localStorageCache uses globalThis.localStorage when present', () => {
    const items = new Map<string, string>();
    const g = globalThis as { localStorage?: StorageLike };
    g.localStorage = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
    try {
      localStorageCache().save({ features: [feature('x')], segments: [] });
      assert.ok(items.has('sluice:flags'));
    } finally {
      delete g.localStorage;
    }
  });

  it('memoryCache keeps the last saved state', () => {
    const cache = memoryCache();
    cache.save({ features: [feature('a')] });
    assert.equal(cache.state?.features[0]?.name, 'a');
  });
});

describe('backoffDelay', () => {
  it('doubles from the base with jitter in [d/2, d], capped', () => {
    assert.equal(backoffDelay(0, 1000, 30_000, () => 0), 500);
    assert.equal(backoffDelay(0, 1000, 30_000, () => 1), 1000);
    assert.equal(backoffDelay(3, 1000, 30_000, () => 1), 8000);
    assert.equal(backoffDelay(10, 1000, 30_000, () => 1), 30_000);
    assert.equal(backoffDelay(1000, 1000, 30_000, () => 0), 15_000);
  });
});
