// Differential test: for seeded random states (well-formed and malformed) and contexts, the
// compiled evaluator returns exactly what evaluateFlag returns, name by name, including errors.
// Both get their own `random` source from the same seed, so random stickiness must be drawn in
// the same order too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../analysis/seeded-random.js';
import { evaluateFlag, isEnabled } from '../evaluate.js';
import type { EvaluateOptions, FlagState } from '../model.js';
import { compileFlags } from './compile.js';
import { FLAG_NAMES, randomContext, randomState } from './random-flags.js';

const STATES = 600;
const CONTEXTS_PER_STATE = 6;
const NOW = Date.parse('2027-03-01T12:00:00Z');

function optionsFor(seed: number): EvaluateOptions {
  return { random: mulberry32(seed), now: NOW, hostname: 'host-a' };
}

test(`compiled.evaluate deep-equals evaluateFlag on ${STATES * CONTEXTS_PER_STATE * (FLAG_NAMES.length + 1)} random cases`, () => {
  const rand = mulberry32(20261205);
  const reasons = new Map<string, number>();
  let cases = 0;
  for (let s = 0; s < STATES; s++) {
    const state = randomState(rand) as FlagState;
    const reference = optionsFor(s);
    const compiled = compileFlags(state, optionsFor(s));
    for (let c = 0; c < CONTEXTS_PER_STATE; c++) {
      const context = randomContext(rand);
      for (const name of [...FLAG_NAMES, 'missing']) {
        const expected = evaluateFlag(state, name, context, reference);
        const actual = compiled.evaluate(name, context);
        assert.deepStrictEqual(actual, expected, `state #${s} ${JSON.stringify(state)}\ncontext ${JSON.stringify(context)}\nflag ${name}`);
        const key = expected.errorCode ?? expected.reason;
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
        cases++;
      }
    }
  }
  assert.ok(cases >= 2000);
  // The generator must reach every outcome, or this test proves little.
  for (const key of ['STATIC', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'DEFAULT', 'PARSE_ERROR', 'FLAG_NOT_FOUND']) {
    assert.ok((reasons.get(key) ?? 0) > 20, `too few ${key} outcomes: ${JSON.stringify([...reasons])}`);
  }
});

test('isEnabled and variant agree with the interpreting evaluator, including the fallback', () => {
  const rand = mulberry32(99);
  for (let s = 0; s < 200; s++) {
    const state = randomState(rand) as FlagState;
    const compiled = compileFlags(state, { now: NOW });
    for (let c = 0; c < 4; c++) {
      const context = randomContext(rand);
      for (const name of [...FLAG_NAMES, 'missing']) {
        for (const fallback of [false, true]) {
          assert.equal(compiled.isEnabled(name, context, fallback), isEnabled(state, name, context, { now: NOW }, fallback));
        }
        assert.deepStrictEqual(compiled.variant(name, context), evaluateFlag(state, name, context, { now: NOW }).variant);
      }
    }
  }
});

test('names() lists each flag once, in order; a state without a features array fails every name', () => {
  const compiled = compileFlags({ features: [{ name: 'x', enabled: true }, { name: 'y', enabled: false }, { name: 'x', enabled: false }] });
  assert.deepEqual(compiled.names(), ['x', 'y']);
  assert.equal(compiled.isEnabled('x'), true);
  const broken = compileFlags({ features: 'no' } as unknown as FlagState);
  assert.deepStrictEqual(broken.evaluate('x'), evaluateFlag({ features: 'no' } as unknown as FlagState, 'x'));
  assert.deepEqual(broken.names(), []);
});
