import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ManualClock, SluiceError } from '@sluice/domain';
import type { ProxyObservation } from '@sluice/proxy';
import { LATENCY_RELATIVE_ERROR } from './latency-histogram.js';
import { TrafficWindows } from './traffic-windows.js';

const T0 = Date.UTC(2026, 0, 1); // on a whole second

function obs(partial: Partial<ProxyObservation> = {}): ProxyObservation {
  return { service: 'shop', version: 'v1', route: 'split', status: 200, durationMs: 5, ...partial };
}

function setup(options: Partial<ConstructorParameters<typeof TrafficWindows>[0]> = {}) {
  const clock = new ManualClock(T0);
  return { clock, windows: new TrafficWindows({ clock, ...options }) };
}

describe('TrafficWindows counting', () => {
  test('counts exactly per second across window boundaries', () => {
    const { clock, windows } = setup();
    windows.record(obs());
    clock.advance(999);
    windows.record(obs());
    clock.advance(1); // T0 + 1000: the next second
    windows.record(obs());
    clock.advance(1500); // T0 + 2500
    windows.record(obs({ status: 503 }));
    const all = windows.window({ service: 'shop', fromMs: T0, toMs: T0 + 3000 });
    assert.equal(all.requests, 4);
    assert.deepEqual(
      all.perSecond.map((s) => [s.startMs - T0, s.requests]),
      [[0, 2], [1000, 1], [2000, 1]],
    );
    assert.equal(windows.window({ service: 'shop', fromMs: T0, toMs: T0 + 1000 }).requests, 2);
    assert.equal(windows.window({ service: 'shop', fromMs: T0 + 1000, toMs: T0 + 2000 }).requests, 1);
    // A bound inside a second takes that second whole.
    const partial = windows.window({ service: 'shop', fromMs: T0 + 999, toMs: T0 + 1001 });
    assert.deepEqual([partial.fromMs - T0, partial.toMs - T0, partial.requests], [0, 2000, 3]);
    assert.equal(all.byClass['5xx'], 1);
  });

  test('splits responses by class (499 apart) and failures by cause', () => {
    const { windows } = setup();
    for (const status of [101, 200, 204, 302, 404, 499, 500, 0, 700]) windows.record(obs({ status }));
    windows.record(obs({ status: 502, cause: 'refused', error: 'ECONNREFUSED' }));
    windows.record(obs({ status: 504, cause: 'timeout', error: 'timed out' }));
    windows.record(obs({ status: 200, cause: 'reset', error: 'reset mid-body' }));
    windows.record(obs({ status: 502, error: 'no cause given' }));
    windows.record(obs({ status: 502, cause: 'brand-new' as never, error: 'unknown cause' }));
    const w = windows.window({ service: 'shop', fromMs: T0, toMs: T0 + 1000 });
    assert.deepEqual(w.byClass, { '1xx': 1, '2xx': 3, '3xx': 1, '4xx': 1, '499': 1, '5xx': 7 });
    assert.deepEqual(w.byCause, { refused: 1, timeout: 1, reset: 1, 'no-endpoint': 0, limit: 0, 'bad-request': 0, other: 2 });
    assert.equal(w.requests, 14);
    assert.equal(w.errors, 5);
  });

  test('filters by version and route, and lists the series of a service', () => {
    const { windows } = setup();
    windows.record(obs({ version: 'v1', route: 'split' }));
    windows.record(obs({ version: 'v2', route: 'split' }));
    windows.record(obs({ version: 'v2', route: 'beta-users' }));
    windows.record(obs({ version: 'v2', route: 'beta-users' }));
    const q = { service: 'shop', fromMs: T0, toMs: T0 + 1000 };
    assert.equal(windows.window(q).requests, 4);
    assert.equal(windows.window({ ...q, version: 'v2' }).requests, 3);
    assert.equal(windows.window({ ...q, route: 'beta-users' }).requests, 2);
    assert.equal(windows.window({ ...q, version: 'v1', route: 'beta-users' }).requests, 0);
    assert.equal(windows.window({ ...q, service: 'nope' }).requests, 0);
    assert.deepEqual(windows.series('shop'), [
      { version: 'v1', route: 'split' },
      { version: 'v2', route: 'beta-users' },
      { version: 'v2', route: 'split' },
    ]);
    assert.deepEqual(windows.series('nope'), []);
    assert.deepEqual(windows.services(), ['shop']);
  });

  test('reports latency as null without requests, and exact mean and max with them', () => {
    const { windows } = setup();
    const q = { service: 'shop', fromMs: T0, toMs: T0 + 1000 };
    assert.deepEqual(windows.window(q).latencyMs, { count: 0, p50: null, p90: null, p99: null, max: null, mean: null });
    windows.record(obs({ durationMs: 10 }));
    windows.record(obs({ durationMs: 30 }));
    const latency = windows.window(q).latencyMs;
    assert.equal(latency.count, 2);
    assert.equal(latency.mean, 20);
    assert.equal(latency.max, 30);
  });

  test('rejects a window with non-finite bounds', () => {
    const { windows } = setup();
    assert.throws(() => windows.window({ service: 'shop', fromMs: Number.NaN, toMs: T0 }), (e: unknown) => e instanceof SluiceError && e.code === 'INVALID_REQUEST');
  });

  test('rejects options that are not positive integers', () => {
    assert.throws(() => setup({ retentionSeconds: 0 }), /retentionSeconds is 0; expected a positive integer/);
    assert.throws(() => setup({ maxRoutesPerService: 1.5 }), /maxRoutesPerService/);
  });
});

describe('TrafficWindows retention', () => {
  test('keeps retentionSeconds whole seconds besides the one in progress, then forgets the oldest', () => {
    const { clock, windows } = setup({ retentionSeconds: 10 });
    windows.record(obs());
    clock.advance(10_000); // T0 + 10 s in progress; T0 .. T0 + 9 s are the 10 whole seconds kept
    assert.equal(windows.window({ service: 'shop', fromMs: T0, toMs: T0 + 10_000 }).requests, 1);
    clock.advance(1000);
    const later = windows.window({ service: 'shop', fromMs: T0, toMs: T0 + 11_000 });
    assert.equal(later.requests, 0);
    assert.equal(later.fromMs, T0 + 1000, 'the window is cut to what is retained');
    assert.equal(later.perSecond.length, 10);
  });

  test('reuses a ring slot for the new second without leaking the old one', () => {
    const { clock, windows } = setup({ retentionSeconds: 10 });
    windows.record(obs());
    windows.record(obs());
    clock.advance(11_000); // the same ring slot (10 seconds + the one in progress), 11 seconds on
    windows.record(obs({ status: 404 }));
    const w = windows.window({ service: 'shop', fromMs: T0, toMs: T0 + 12_000 });
    assert.equal(w.requests, 1);
    assert.equal(w.byClass['4xx'], 1);
    assert.equal(windows.totals()[0]?.requests, 3, 'cumulative totals outlive the window');
  });

  test('does not mix seconds when the clock steps back', () => {
    const { clock, windows } = setup({ retentionSeconds: 10 });
    clock.advance(5000);
    windows.record(obs());
    clock.set(T0);
    windows.record(obs());
    windows.record(obs());
    assert.equal(windows.window({ service: 'shop', fromMs: T0, toMs: T0 + 1000 }).requests, 2);
    clock.set(-5000);
    windows.record(obs()); // a clock before the epoch counts as second 0 and does not throw
    assert.equal(windows.totals()[0]?.requests, 4);
  });
});

describe('TrafficWindows cardinality limits', () => {
  test('folds routes beyond the per-service limit into "_other" and counts them', () => {
    const { windows } = setup({ maxRoutesPerService: 2 });
    for (const route of ['a', 'b', 'c', 'd', 'a']) windows.record(obs({ route }));
    windows.record(obs({ version: 'v2', route: 'b' })); // a known route is fine in another version
    windows.record(obs({ version: 'v2', route: 'e' }));
    assert.deepEqual(windows.series('shop'), [
      { version: 'v1', route: '_other' },
      { version: 'v1', route: 'a' },
      { version: 'v1', route: 'b' },
      { version: 'v2', route: '_other' },
      { version: 'v2', route: 'b' },
    ]);
    assert.equal(windows.window({ service: 'shop', route: '_other', fromMs: T0, toMs: T0 + 1000 }).requests, 3);
    assert.deepEqual(windows.folded(), { service: 0, version: 0, route: 3, series: 0 });
  });

  test('folds versions and services beyond their limits', () => {
    const { windows } = setup({ maxVersionsPerService: 2, maxServices: 1 });
    for (const version of ['v1', 'v2', 'v3', 'v4']) windows.record(obs({ version }));
    windows.record(obs({ service: 'cart' }));
    assert.deepEqual(windows.series('shop').map((s) => s.version), ['_other', 'v1', 'v2']);
    assert.equal(windows.window({ service: 'shop', version: '_other', fromMs: T0, toMs: T0 + 1000 }).requests, 2);
    assert.deepEqual(windows.services(), ['_other', 'shop']);
    assert.deepEqual(windows.folded(), { service: 1, version: 2, route: 0, series: 0 });
  });

  test('sends everything past maxSeries to ("_other", "_other", "_other")', () => {
    const { windows } = setup({ maxSeries: 2 });
    for (const version of ['v1', 'v2', 'v3']) windows.record(obs({ version }));
    windows.record(obs({ service: 'cart' }));
    assert.deepEqual(windows.series('_other'), [{ version: '_other', route: '_other' }]);
    assert.equal(windows.window({ service: '_other', fromMs: T0, toMs: T0 + 1000 }).requests, 2);
    assert.equal(windows.folded().series, 2);
  });

  test('frees names whose history has expired, so a later version gets its own series', () => {
    const { clock, windows } = setup({ retentionSeconds: 10, maxVersionsPerService: 2 });
    windows.record(obs({ version: 'v1' }));
    windows.record(obs({ version: 'v2' }));
    clock.advance(5000);
    windows.record(obs({ version: 'v2' }));
    windows.record(obs({ version: 'v3' })); // v1 is still within the retention: folded
    assert.equal(windows.folded().version, 1);
    clock.advance(5000);
    windows.record(obs({ version: 'v3' })); // T0 + 10 s: v1's second T0 is still retained
    assert.equal(windows.folded().version, 2);
    clock.advance(1000); // now it has left the retention
    windows.record(obs({ version: 'v3' }));
    assert.deepEqual(windows.series('shop').map((s) => s.version), ['_other', 'v2', 'v3']);
    assert.equal(windows.folded().version, 2);
    assert.equal(windows.window({ service: 'shop', version: 'v3', fromMs: T0, toMs: T0 + 12_000 }).requests, 1);
  });
});

/** A deterministic spread of durations from 0.5 ms to 5 s (log-uniform), from a small LCG. */
function durations(n: number): number[] {
  let seed = 12345;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    out.push(Math.exp(Math.log(0.5) + (seed / 2 ** 31) * (Math.log(5000) - Math.log(0.5))));
  }
  return out;
}

test('TrafficWindows percentiles are within the bucket error bound of the exact nearest-rank values', () => {
  const { clock, windows } = setup();
  const values = durations(20_000);
  values.forEach((durationMs, i) => {
    if (i % 1000 === 0) clock.advance(1000); // spread over 20 seconds
    windows.record(obs({ durationMs }));
  });
  const sorted = [...values].sort((a, b) => a - b);
  const exact = (q: number) => sorted[Math.ceil(q * sorted.length) - 1]!;
  const w = windows.window({ service: 'shop', fromMs: T0, toMs: T0 + 30_000 });
  // The answer is rounded to 0.001 ms, hence the small absolute slack.
  for (const [q, estimate] of [[0.5, w.latencyMs.p50], [0.9, w.latencyMs.p90], [0.99, w.latencyMs.p99]] as const) {
    const truth = exact(q);
    assert.ok(estimate !== null && Math.abs(estimate - truth) <= truth * LATENCY_RELATIVE_ERROR + 0.0005, `p${q * 100}: ${estimate} vs ${truth}`);
  }
  assert.equal(w.latencyMs.max, Math.round(sorted.at(-1)! * 1000) / 1000);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(Math.abs(w.latencyMs.mean! - mean) < 0.001);
});

test('TrafficWindows.record does not grow the heap over 1e6 calls', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { clock, windows } = setup({ retentionSeconds: 60 });
  const inputs = ['split', 'beta'].flatMap((route) =>
    ['v1', 'v2'].map((version, i) => obs({ version, route, status: i === 0 ? 200 : 503, durationMs: 3.7 + i, ...(i === 1 ? { cause: 'reset' as const, error: 'x' } : {}) })),
  );
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      if (i % 10_000 === 0) clock.advance(1000); // 100 seconds: the rings wrap around
      windows.record(inputs[i & 3]!);
    }
  };
  run(20_000); // creates the series and warms up
  gc();
  const before = process.memoryUsage().heapUsed;
  run(1_000_000);
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 256 * 1024, `heap grew by ${grown} bytes over 1e6 records`);
  assert.equal(windows.totals().reduce((n, t) => n + t.requests, 0), 1_020_000);
});
