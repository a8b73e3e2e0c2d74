import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, VersionConflictError } from '@sluice/domain';
import { makeAnalysisTemplate, makeSegment, withStore, type OpenTestStore } from './testing/store-fixtures.js';

export function registerAnalysisTemplateTests(open: OpenTestStore): void {
  describe('analysis templates', () => {
    test('get of a missing template is undefined; list of an empty store is empty', () =>
      withStore(open, async (store) => {
        assert.equal(await store.analysisTemplates.get('nope'), undefined);
        assert.deepEqual(await store.analysisTemplates.list(), []);
      }));

    test('save returns version 1 and get returns exactly what was saved', () =>
      withStore(open, async (store) => {
        const template = makeAnalysisTemplate('success-rate');
        assert.deepEqual(await store.analysisTemplates.save(template, 0), { ...template, version: 1 });
        assert.deepEqual(await store.analysisTemplates.get('success-rate'), { ...template, version: 1 });
      }));

    test('list is sorted by name in code point order, apart from segments', () =>
      withStore(open, async (store) => {
        for (const name of ['success-rate', 'Latency', 'errors', 'errors-5xx']) {
          await store.analysisTemplates.save(makeAnalysisTemplate(name), 0);
        }
        await store.segments.save(makeSegment('errors'), 0);
        assert.deepEqual((await store.analysisTemplates.list()).map((t) => t.name), ['Latency', 'errors', 'errors-5xx', 'success-rate']);
        assert.deepEqual((await store.segments.list()).map((s) => s.name), ['errors']);
      }));

    test('each save increments the version; a stale or create-when-exists save conflicts and writes nothing', () =>
      withStore(open, async (store) => {
        const v1 = await store.analysisTemplates.save(makeAnalysisTemplate('latency'), 0);
        const fewer = { ...v1, spec: { ...v1.spec, metrics: v1.spec.metrics.slice(0, 1) } };
        const v2 = await store.analysisTemplates.save(fewer, 1);
        assert.equal(v2.version, 2);
        assert.deepEqual(await store.analysisTemplates.get('latency'), v2);
        const conflict = (expected: number, actual: number | null) => (error: unknown) => {
          assert.ok(error instanceof VersionConflictError, String(error));
          assert.equal(error.code, ErrorCode.VERSION_CONFLICT);
          assert.deepEqual(error.details, { kind: 'AnalysisTemplate', name: 'latency', expected, actual });
          return true;
        };
        await assert.rejects(store.analysisTemplates.save(v1, 1), conflict(1, 2));
        await assert.rejects(store.analysisTemplates.save(makeAnalysisTemplate('latency'), 0), conflict(0, 2));
        await assert.rejects(store.analysisTemplates.save(makeAnalysisTemplate('ghost'), 4), (e) => e instanceof VersionConflictError);
        assert.equal(await store.analysisTemplates.get('ghost'), undefined);
        assert.deepEqual(await store.analysisTemplates.get('latency'), v2);
      }));

    test('template writes commit and roll back with their transaction', () =>
      withStore(open, async (store) => {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.analysisTemplates.save(makeAnalysisTemplate('latency'), 0);
            assert.equal((await tx.analysisTemplates.get('latency'))?.version, 1, 'the transaction sees its own write');
            await tx.segments.save(makeSegment('testers'), 0);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(await store.analysisTemplates.list(), []);
        assert.equal(await store.segments.get('testers'), undefined);
        await store.transaction(async (tx) => {
          await tx.analysisTemplates.save(makeAnalysisTemplate('latency'), 0);
          await tx.segments.save(makeSegment('testers'), 0);
        });
        assert.equal((await store.analysisTemplates.get('latency'))?.version, 1);
        assert.equal((await store.segments.get('testers'))?.version, 1);
      }));

    test('returned templates are copies: mutating them does not change the store', () =>
      withStore(open, async (store) => {
        const saved = await store.analysisTemplates.save(makeAnalysisTemplate('latency'), 0);
        (saved.spec.metrics as unknown[]).length = 0;
        const read = await store.analysisTemplates.get('latency');
        (read?.spec.args as unknown[]).push('junk');
        assert.deepEqual(await store.analysisTemplates.get('latency'), { ...makeAnalysisTemplate('latency'), version: 1 });
      }));
  });
}
