import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricProviderContract } from '../metric-provider.contract.js';
import { MemoryMetricProvider } from './memory-provider.js';

const WINDOW = { fromMs: 0, toMs: 60_000 };
const ANSWERS = { 'errors{v2}': 0.03, 'errors{v9}': { noData: 'no series matched' }, broken: { error: 'parse error at 1' } };

metricProviderContract('memory', async () => ({
  provider: new MemoryMetricProvider(ANSWERS),
  withValue: { query: 'errors{{{v}}}', args: { v: 'v2' }, ...WINDOW },
  expected: 0.03,
  noData: { query: 'errors{v9}', args: {}, ...WINDOW },
  failing: { query: 'broken', args: {}, ...WINDOW },
  unreachable: new MemoryMetricProvider(ANSWERS, false),
  cleanup: async () => undefined,
}));

test('memory: records what was asked; unscripted queries and missing arguments fail by name', async () => {
  const provider = new MemoryMetricProvider({ a: [1, 2] });
  const result = await provider.measure({ query: 'a', args: {}, ...WINDOW });
  assert.deepEqual(result, { kind: 'value', value: [1, 2], resolvedQuery: 'a' });
  await assert.rejects(provider.measure({ query: 'b', args: {}, ...WINDOW }), /no answer scripted for query "b"/);
  await assert.rejects(provider.measure({ query: '{{x}}', args: {}, ...WINDOW }), /uses \{\{x\}\}, which no argument sets/);
  provider.set('b', 7);
  assert.equal((await provider.measure({ query: 'b', args: {}, ...WINDOW })).kind, 'value');
  assert.deepEqual(provider.asked, ['a', 'b', 'b']);
});
