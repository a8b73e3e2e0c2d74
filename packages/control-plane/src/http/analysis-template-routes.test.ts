import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRollout, startRollout } from '@sluice/domain';
import { shopService, T0 } from '../orchestrator/testing/fixtures.js';
import { makeAnalysisTemplate } from '../store/testing/store-fixtures.js';
import { startTestApi } from './testing/api-server.js';

describe('analysis template routes over HTTP', () => {
  test('GET /analysistemplates lists templates by name with the active rollouts that use them', async () => {
    const api = await startTestApi();
    try {
      assert.deepEqual((await api.call('/analysistemplates')).body, { items: [] });
      await api.store.analysisTemplates.save(makeAnalysisTemplate('success-rate'), 0);
      await api.store.analysisTemplates.save(makeAnalysisTemplate('latency'), 0);
      await api.store.services.save(shopService(), 0);
      const steps = [{ kind: 'analysis' as const, templates: ['latency'], args: {} }];
      const spec = { service: 'shop', target: 'v2', strategy: { kind: 'canary' as const, steps }, analysis: { background: { templates: ['success-rate'], args: {}, fromStep: 0 } } };
      await api.store.rollouts.save(startRollout(createRollout('shop-v2', spec, 'v1', T0), T0).rollout, 0);
      await api.store.rollouts.save(createRollout('shop-v3', { ...spec, analysis: {} }, 'v1', T0 + 1), 0);
      const { status, body } = await api.call('/analysistemplates');
      assert.equal(status, 200);
      assert.deepEqual(body.items.map((t: any) => [t.name, t.version, t.usedBy]), [
        ['latency', 1, { rollouts: ['shop-v2', 'shop-v3'] }],
        ['success-rate', 1, { rollouts: ['shop-v2'] }],
      ]);
      assert.deepEqual(body.items[0].spec, makeAnalysisTemplate('latency').spec);
    } finally {
      await api.close();
    }
  });

  test('GET /analysistemplates/{name} answers the template, or 404 NOT_FOUND naming it', async () => {
    const api = await startTestApi();
    try {
      await api.store.analysisTemplates.save(makeAnalysisTemplate('latency'), 0);
      const found = await api.call('/analysistemplates/latency');
      assert.equal(found.status, 200);
      assert.deepEqual(found.body, { name: 'latency', version: 1, spec: makeAnalysisTemplate('latency').spec, usedBy: { rollouts: [] } });
      const missing = await api.call('/analysistemplates/nobody');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'NOT_FOUND');
      assert.match(missing.body.error.message, /Analysis template "nobody" does not exist/);
    } finally {
      await api.close();
    }
  });
});
