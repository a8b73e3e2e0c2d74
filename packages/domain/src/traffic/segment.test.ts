import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileRules } from './compile-rules.js';
import type { ConditionSpec, RequestView } from './routing.js';
import { NEVER, referencedSegments, resolveConditions, resolveRule, segmentCondition, type Segment } from './segment.js';

const testers: Segment = {
  name: 'internal-testers',
  version: 1,
  spec: { match: [{ kind: 'header', name: 'x-user-id', match: { in: ['u1', 'u2'] } }, { kind: 'method', methods: ['GET'] }] },
};
const eu: Segment = {
  name: 'eu',
  version: 1,
  spec: { match: [{ kind: 'anyOf', groups: [[{ kind: 'header', name: 'x-region', match: { exact: 'eu' } }], [{ kind: 'header', name: 'x-region', match: { exact: 'uk' } }]] }] },
};
const lookup = (name: string) => [testers, eu].find((s) => s.name === name);

function view(headers: Record<string, string>, method = 'GET'): RequestView {
  return { method, path: '/', header: (n) => headers[n], cookie: () => undefined, query: () => undefined, sourceIp: '10.0.0.1', stickyKey: 'k1' };
}

describe('segments', () => {
  test('segmentCondition inlines an AND list as one anyOf group, and an anyOf as itself', () => {
    assert.deepEqual(segmentCondition(testers), { kind: 'anyOf', groups: [testers.spec.match] });
    assert.equal(segmentCondition(eu), eu.spec.match[0]);
  });

  test('resolveConditions replaces references (nested in anyOf too) and leaves other conditions alone', () => {
    const conditions: ConditionSpec[] = [
      { kind: 'pathPrefix', prefix: '/api' },
      { kind: 'segment', segment: 'internal-testers' },
      { kind: 'anyOf', groups: [[{ kind: 'segment', segment: 'eu' }]] },
    ];
    const resolved = resolveConditions(conditions, lookup);
    assert.deepEqual(resolved, [conditions[0], segmentCondition(testers), { kind: 'anyOf', groups: [[segmentCondition(eu)]] }]);
    assert.deepEqual(referencedSegments(conditions), ['internal-testers', 'eu']);
  });

  test('a reference to a missing segment becomes NEVER: the rule matches nobody', () => {
    const rule = resolveRule({ name: 'r', conditions: [{ kind: 'segment', segment: 'gone' }], action: { kind: 'version', version: 'v2' } }, lookup);
    assert.deepEqual(rule.conditions, [NEVER]);
    assert.equal(compileRules([rule]).match(view({})), undefined);
  });

  test('a resolved segment rule matches what the segment describes', () => {
    const rule = resolveRule({ name: 'testers', conditions: [{ kind: 'segment', segment: 'internal-testers' }], action: { kind: 'version', version: 'v2' } }, lookup);
    const compiled = compileRules([rule]);
    assert.ok(compiled.match(view({ 'x-user-id': 'u2' })));
    assert.equal(compiled.match(view({ 'x-user-id': 'u2' }, 'POST')), undefined);
    assert.equal(compiled.match(view({ 'x-user-id': 'u3' })), undefined);
    const region = compileRules([resolveRule({ name: 'eu', conditions: [{ kind: 'segment', segment: 'eu' }], action: { kind: 'version', version: 'v2' } }, lookup)]);
    assert.ok(region.match(view({ 'x-region': 'uk' })));
    assert.equal(region.match(view({ 'x-region': 'us' })), undefined);
  });
});
