import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closeGate, DEFAULT_GATE, foldGate, INITIAL_GATE } from './gate.js';
import type { GateSettings, GateState, MeasurementResult } from './gate.js';
import type { Outcome } from './verdict.js';

const verdict = (outcome: Outcome, rule = 'threshold'): MeasurementResult => ({ kind: 'verdict', verdict: { outcome, rule, reason: `${outcome} by ${rule}` } });
const error: MeasurementResult = { kind: 'error', message: 'prometheus: ECONNREFUSED' };
const noData: MeasurementResult = { kind: 'no-data', message: 'empty vector' };

function run(results: readonly MeasurementResult[], settings: Partial<GateSettings> = {}): GateState[] {
  const all = { ...DEFAULT_GATE, ...settings };
  const states: GateState[] = [];
  let state = INITIAL_GATE;
  for (const result of results) states.push((state = foldGate(state, result, all)));
  return states;
}

const last = (states: readonly GateState[]): GateState => states[states.length - 1]!;

describe('gate (Argo Rollouts settings)', () => {
  test('failureLimit: the gate fails when failures exceed it, not when they reach it', () => {
    const states = run([verdict('fail'), verdict('pass'), verdict('fail'), verdict('fail')], { failureLimit: 2 });
    assert.deepEqual(states.map((s) => s.status), ['running', 'running', 'running', 'failed']);
    assert.match(last(states).reason, /3 failed measurements exceed failureLimit 2/);
    assert.equal(run([verdict('fail')]).at(0)?.status, 'failed', 'the default limit 0 fails on the first failure');
    assert.equal(last(run([verdict('fail'), verdict('fail'), verdict('fail')], { failureLimit: -1 })).status, 'running', '-1 never fails on count');
  });

  test('a fast-path failure fails at once whatever failureLimit says', () => {
    const states = run([verdict('fail', 'fast-path')], { failureLimit: 5 });
    assert.equal(last(states).status, 'failed');
    assert.match(last(states).reason, /^severe regression/);
  });

  test('inconclusive measurements beyond inconclusiveLimit hand the decision to a person', () => {
    const states = run([verdict('inconclusive'), verdict('inconclusive')], { inconclusiveLimit: 1 });
    assert.deepEqual(states.map((s) => s.status), ['running', 'inconclusive']);
  });

  test('provider errors and missing data halt (never fail) past consecutiveErrorLimit, and a verdict resets the run', () => {
    const states = run([error, error, noData, verdict('pass'), error, error, error, noData, error], { consecutiveErrorLimit: 3 });
    assert.deepEqual(states.map((s) => s.status), ['running', 'running', 'running', 'running', 'running', 'running', 'running', 'halted', 'halted']);
    assert.match(states[7]!.reason, /4 measurements in a row without data \(last: empty vector\) exceed consecutiveErrorLimit 3/);
    assert.equal(states[7]!.failures, 0, 'an unreachable provider never counts as a bad canary');
  });

  test('count ends the gate as passed when the limits held; consecutiveSuccessLimit passes early', () => {
    const counted = run([verdict('pass'), verdict('fail'), verdict('pass')], { count: 3, failureLimit: 1 });
    assert.deepEqual(counted.map((s) => s.status), ['running', 'running', 'passed']);
    const early = run([verdict('pass'), verdict('inconclusive'), verdict('pass'), verdict('pass')], { consecutiveSuccessLimit: 2, inconclusiveLimit: 1 });
    assert.deepEqual(early.map((s) => s.status), ['running', 'running', 'running', 'passed']);
  });

  test('a decided gate does not change; closing a running gate passes it unless nothing was judged', () => {
    const failed = last(run([verdict('fail')]));
    assert.equal(foldGate(failed, verdict('pass')), failed);
    assert.equal(closeGate(last(run([verdict('pass')]))).status, 'passed');
    assert.equal(closeGate(last(run([error]))).status, 'halted');
    assert.equal(closeGate(INITIAL_GATE).status, 'halted');
  });
});

describe('pending: a sequential judge without enough samples yet', () => {
  const pending = { kind: 'verdict' as const, verdict: { outcome: 'inconclusive' as const, rule: 'min-sample', reason: 'too little traffic' } };
  const pass = { kind: 'verdict' as const, verdict: { outcome: 'pass' as const, rule: 'sequential-error-rate', reason: 'ok' } };
  const fold = (results: MeasurementResult[], settings: Partial<GateSettings>) => results.reduce<GateState[]>((acc, r) => [...acc, foldGate(acc.at(-1) ?? INITIAL_GATE, r, { ...DEFAULT_GATE, ...settings })], []);

  test('waits instead of counting against inconclusiveLimit, and passes once judged', () => {
    const states = fold([pending, pending, pass, pass], { count: 4 });
    assert.deepEqual(states.map((s) => s.status), ['running', 'running', 'running', 'passed']);
    assert.equal(states.at(-1)?.inconclusives, 0);
    assert.equal(states.at(-1)?.pending, 2);
  });

  test('reaching count without ever judging is inconclusive, not passed', () => {
    const states = fold([pending, pending, pending], { count: 3 });
    assert.equal(states.at(-1)?.status, 'inconclusive');
    assert.match(states.at(-1)?.reason ?? '', /none with enough samples/);
  });

  test('a step that ends with only pending measurements is inconclusive', () => {
    const states = fold([pending, pending], { count: 0 });
    assert.equal(closeGate(states.at(-1) ?? INITIAL_GATE).status, 'inconclusive');
  });
});
