import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { checkReferences } from './check-references.js';
import { parseResources } from './parse-resources.js';

const repo = new URL('../../../', import.meta.url);

test('the demo files the README tells users to apply parse, and refer only to what they define', () => {
  const resources = ['demo/shop.yaml', 'demo/verified-rollout.yaml'].flatMap((file) => parseResources(readFileSync(new URL(file, repo), 'utf8'), { file }));
  assert.deepEqual(resources.map((r) => `${r.kind}/${r.name}`), ['Service/shop', 'Rollout/shop-v2', 'AnalysisTemplate/shop-health', 'Rollout/shop-v2-verified']);
  assert.deepEqual(checkReferences(resources, { services: new Map(), segments: new Set() }), []);
  const verified = resources.find((r) => r.name === 'shop-v2-verified');
  assert.deepEqual(verified?.kind === 'Rollout' && verified.spec.strategy.steps.map((s) => s.kind), ['setWeight', 'checklist', 'approval', 'load', 'analysis', 'setWeight']);
});

test('the demo flags parse: a segment shared with routes, a boolean flag with an override, a rule and a 10 % default, a string flag', () => {
  const resources = parseResources(readFileSync(new URL('demo/flags.yaml', repo), 'utf8'), { file: 'demo/flags.yaml' });
  assert.deepEqual(resources.map((r) => `${r.kind}/${r.name}`), ['Segment/beta-testers', 'Flag/new-checkout', 'Flag/button-color']);
  const checkout = resources[1];
  assert.ok(checkout?.kind === 'Flag');
  assert.deepEqual(checkout.spec.environments['production']?.default, { rollout: 10, stickiness: 'userId' });
  assert.deepEqual(checkout.spec.environments['production']?.rules[0]?.segments, ['beta-testers']);
});
