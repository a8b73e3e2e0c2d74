import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDeltaEvents } from './delta.js';
import { evaluateFlag, getVariant, isEnabled } from './evaluate.js';
import type { FlagState } from './model.js';

const state: FlagState = {
  features: [
    { name: 'on', enabled: true, strategies: [] },
    { name: 'off', enabled: false, strategies: [{ name: 'default' }] },
    { name: 'targeted', enabled: true, strategies: [{ name: 'userWithId', parameters: { userIds: 'a, b' } }] },
    {
      name: 'split',
      enabled: true,
      strategies: [{ name: 'default' }],
      variants: [
        { name: 'x', weight: 500, payload: { type: 'json', value: '{"n":1}' } },
        { name: 'y', weight: 500, payload: { type: 'number', value: '2.5' } },
      ],
    },
    { name: 'bad-number', enabled: true, strategies: [], variants: [{ name: 'v', weight: 1, payload: { type: 'number', value: 'abc' } }] },
  ],
};

test('reasons follow OpenFeature: STATIC, DISABLED, TARGETING_MATCH, DEFAULT, SPLIT', () => {
  assert.deepEqual(evaluateFlag(state, 'on'), { enabled: true, value: true, reason: 'STATIC', variant: { name: 'disabled', enabled: false, featureEnabled: true } });
  assert.equal(evaluateFlag(state, 'off').reason, 'DISABLED');
  assert.equal(evaluateFlag(state, 'targeted', { userId: 'b' }).reason, 'TARGETING_MATCH');
  assert.equal(evaluateFlag(state, 'targeted', { userId: 'c' }).reason, 'DEFAULT');
  const split = evaluateFlag(state, 'split', { userId: '42' });
  assert.equal(split.reason, 'SPLIT');
  assert.deepEqual(split.value, split.variant.name === 'x' ? { n: 1 } : 2.5);
});

test('a missing flag is ERROR / FLAG_NOT_FOUND, and isEnabled gives the fallback', () => {
  const r = evaluateFlag(state, 'nope');
  assert.equal(r.reason, 'ERROR');
  assert.equal(r.errorCode, 'FLAG_NOT_FOUND');
  assert.equal(isEnabled(state, 'nope'), false);
  assert.equal(isEnabled(state, 'nope', {}, {}, true), true);
  assert.deepEqual(getVariant(state, 'nope'), { name: 'disabled', enabled: false, featureEnabled: false });
});

test('malformed definitions give ERROR / PARSE_ERROR instead of throwing', () => {
  const malformed: unknown[] = [
    { name: 'f', enabled: 'yes' },
    { name: 'f', enabled: true, strategies: 'default' },
    { name: 'f', enabled: true, strategies: [null] },
    { name: 'f', enabled: true, strategies: [{ name: 'default', constraints: [{ operator: 'IN' }] }] },
    { name: 'f', enabled: true, strategies: [{ name: 'default', constraints: [{ contextName: 'a', operator: 'IN', values: [1] }] }] },
    { name: 'f', enabled: true, variants: [{ name: 'v', weight: 'heavy' }] },
    { name: 'f', enabled: true, variants: [{ name: 'v', weight: 1, payload: 'text' }] },
    { name: 'f', enabled: true, dependencies: [{ enabled: true }] },
    { name: 'f', enabled: true, dependencies: [{ feature: 'p' }] },
  ];
  for (const feature of malformed) {
    const s = { features: [feature, { name: 'p', enabled: 1 }] } as unknown as FlagState;
    const r = evaluateFlag(s, 'f', { userId: '1' });
    assert.equal(r.reason, 'ERROR', JSON.stringify(feature));
    assert.equal(r.errorCode, 'PARSE_ERROR', JSON.stringify(feature));
    assert.equal(r.enabled, false);
  }
  const badSegments = { features: [{ name: 'f', enabled: true, strategies: [{ name: 'default', segments: [1] }] }], segments: [{ id: 1, constraints: 'x' }] };
  assert.equal(evaluateFlag(badSegments as unknown as FlagState, 'f').errorCode, 'PARSE_ERROR');
});

test('garbage state or context never throws', () => {
  for (const s of [null, undefined, 42, { features: 'x' }, { features: [null, 1, 'a'] }]) {
    const r = evaluateFlag(s as unknown as FlagState, 'f');
    assert.equal(r.reason, 'ERROR');
    assert.ok(r.errorCode === 'PARSE_ERROR' || r.errorCode === 'FLAG_NOT_FOUND');
  }
  assert.equal(evaluateFlag(state, 'targeted', null as never).reason, 'DEFAULT');
});

test('a malformed payload is PARSE_ERROR but the flag stays enabled', () => {
  const r = evaluateFlag(state, 'bad-number');
  assert.equal(r.reason, 'ERROR');
  assert.equal(r.errorCode, 'PARSE_ERROR');
  assert.equal(r.enabled, true);
  assert.equal(r.value, undefined);
  assert.equal(isEnabled(state, 'bad-number'), true);
});

test('without injected randomness or time, random rollouts are off and DATE_* needs currentTime', () => {
  const s: FlagState = {
    features: [
      { name: 'r', enabled: true, strategies: [{ name: 'gradualRolloutRandom', parameters: { percentage: '100' } }] },
      { name: 'd', enabled: true, strategies: [{ name: 'default', constraints: [{ contextName: 'currentTime', operator: 'DATE_AFTER', value: '2020-01-01T00:00:00Z' }] }] },
    ],
  };
  assert.equal(isEnabled(s, 'r'), false);
  assert.equal(isEnabled(s, 'r', {}, { random: () => 0.3 }), true);
  assert.equal(isEnabled(s, 'd'), false);
  assert.equal(isEnabled(s, 'd', {}, { now: Date.UTC(2021, 0, 1) }), true);
  assert.equal(isEnabled(s, 'd', { currentTime: '2019-06-01T00:00:00Z' }, { now: Date.UTC(2021, 0, 1) }), false);
});

test('applicationHostname uses the injected hostname, case-insensitively', () => {
  const s: FlagState = { features: [{ name: 'h', enabled: true, strategies: [{ name: 'applicationHostname', parameters: { hostNames: 'web-1, Web-2' } }] }] };
  assert.equal(isEnabled(s, 'h', {}, { hostname: 'WEB-2' }), true);
  assert.equal(isEnabled(s, 'h', {}, { hostname: 'web-3' }), false);
  assert.equal(isEnabled(s, 'h'), false);
});

test('applyDeltaEvents: hydration, upserts and removals, skipping unknown events', () => {
  const { state: s, lastEventId } = applyDeltaEvents({ features: [] }, [
    { eventId: 1, type: 'hydration', features: [{ name: 'a', enabled: true }], segments: [{ id: 1, constraints: [] }] },
    { eventId: 2, type: 'feature-updated', feature: { name: 'b', enabled: true } },
    { eventId: 3, type: 'feature-removed', featureName: 'a' },
    { eventId: 4, type: 'segment-removed', segmentId: 1 },
    { eventId: 5, type: 'something-new' },
    null,
  ]);
  assert.deepEqual(s.features.map((f) => f.name), ['b']);
  assert.deepEqual(s.segments, []);
  assert.equal(lastEventId, 4);
});
