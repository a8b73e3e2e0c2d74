import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CHECK_RETRIES, DEFAULT_CHECK_TIMEOUT_MS, DEFAULT_GUARD, DEFAULT_GUARD_INTERVAL_MS } from '@sluice/domain';
import type { GuardCondition, RolloutSpec } from '@sluice/domain';
import { GUARD_GATE } from './guard-to-domain.js';
import { parseResources } from './parse-resources.js';
import { GUARD_YAML } from './testing/guard-example.js';
import { positionOf } from './testing/positions.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

/** A Rollout; `spec` lines go before `strategy:`, each step is one line starting `        - `. */
function rollout(steps: string, spec = ''): string {
  const head = 'apiVersion: sluice.dev/v1\nkind: Rollout\nmetadata: { name: r }\nspec:\n  service: shop\n  target: v2\n';
  return `${head}${spec}  strategy:\n    canary:\n      steps:\n${steps}`;
}
const withSpec = (spec: string) => rollout('        - setWeight: 5\n', spec);
const step = (text: string) => rollout(`        - ${text}\n`);
/** A guard with the given conditions, one flow map each. */
const guard = (...conditions: string[]) => withSpec(`  guard:\n    conditions:\n${conditions.map((c) => `      - ${c}\n`).join('')}`);

const CONDITION = '{ name: errors, provider: { builtin: {} }, judge: { errorRate: {} } }';
const HEALTHY = 'healthy: { provider: { builtin: {} }, query: error-rate, judge: { threshold: { successCondition: "result < 0.01" } } }';
/** An adaptive step; `ramp` replaces the factor, `extra` goes before its health check. */
const adaptive = (ramp = 'factor: 2', extra = '') => step(`adaptive: { startWeight: 1, ${ramp}, maxWeight: 50, healthyFor: 1m, ${extra}${HEALTHY} }`);
const STEP = 'spec.strategy.canary.steps[0].adaptive';

/** The one problem of `text`, checked to be at the `nth` occurrence of `needle`. */
function problemAt(text: string, needle: string, want: { path: string; message: RegExp; found?: string; expected?: string | RegExp }, nth = 0) {
  assertProblem(onlyProblem(problemsOf(text)), { ...positionOf(text, needle, nth), ...want });
}

const parseRollout = (text: string): RolloutSpec => {
  const found = parseResources(text, { file: 'r.yaml' }).find((r) => r.kind === 'Rollout');
  assert.ok(found?.kind === 'Rollout');
  return found.spec;
};

describe('guard, exposure budget and adaptive steps on valid input', () => {
  test('parseResources turns the example rollout into the exact domain object', () => {
    const builtin = { kind: 'builtin' } as const;
    const expected: RolloutSpec = {
      service: 'shop',
      target: 'v2',
      strategy: {
        kind: 'canary',
        steps: [
          {
            kind: 'adaptive',
            startWeight: 1,
            factor: 2,
            maxWeight: 50,
            healthyForMs: 300_000,
            healthy: { provider: builtin, query: 'error-rate', judge: { kind: 'threshold', successCondition: 'result < 0.001' }, timeoutMs: 10_000, retries: 2 },
            onBreach: 'rollback',
          },
          {
            kind: 'adaptive',
            startWeight: 50,
            increment: 12.5,
            maxWeight: 100,
            healthyForMs: 30_000,
            healthy: { provider: builtin, judge: { kind: 'errorRate', requestsQuery: 'requests', errorsQuery: 'errors', options: { minRequests: 50 } }, windowMs: 600_000, timeoutMs: 3_000, retries: 0 },
            onBreach: 'pause',
          },
        ],
      },
      guard: {
        conditions: [
          {
            name: 'errors',
            provider: builtin,
            judge: { kind: 'errorRate', requestsQuery: 'requests', errorsQuery: 'errors', options: {} },
            timeoutMs: 10_000,
            retries: 2,
            intervalMs: 1_000,
            gate: { count: 0, failureLimit: 0, inconclusiveLimit: Number.MAX_SAFE_INTEGER, consecutiveErrorLimit: Number.MAX_SAFE_INTEGER, consecutiveSuccessLimit: 0 },
            action: 'rollback',
          },
          {
            name: 'p99',
            provider: { kind: 'prometheus', address: 'http://127.0.0.1:9090' },
            query: 'histogram_quantile(0.99, rate(latency_bucket{service="{{service}}",version="{{version}}"}[{{window}}]))',
            judge: { kind: 'threshold', successCondition: 'result < 500' },
            windowMs: 60_000,
            timeoutMs: 10_000,
            retries: 2,
            intervalMs: 5_000,
            gate: { count: 0, failureLimit: 0, inconclusiveLimit: 3, consecutiveErrorLimit: 10, consecutiveSuccessLimit: 0 },
            action: 'pause',
          },
          {
            name: 'slow',
            provider: builtin,
            judge: { kind: 'latency', quantile: 0.9, referenceQuery: 'latency-p90', aboveQuery: 'requests-above', requestsQuery: 'requests', options: {} },
            timeoutMs: 2_000,
            retries: 1,
            intervalMs: 1_000,
            initialDelayMs: 10_000,
            gate: { count: 100, failureLimit: 2, inconclusiveLimit: Number.MAX_SAFE_INTEGER, consecutiveErrorLimit: Number.MAX_SAFE_INTEGER, consecutiveSuccessLimit: 0 },
            action: 'notify',
          },
        ],
      },
      exposureBudget: { maxRequests: 1000, maxFailedRequests: 20, maxTrafficMinutes: 5 },
    };
    const resources = parseResources(GUARD_YAML, { file: 'g.yaml' });
    const found = resources.find((r) => r.kind === 'Rollout');
    assert.deepEqual(found && { kind: found.kind, name: found.name, spec: found.spec }, { kind: 'Rollout', name: 'shop-v2', spec: expected });
    assert.deepEqual(found?.source.locate(['spec', 'guard', 'conditions', 1, 'name']), { line: 23, col: 15 });
  });

  test('a condition gets the guard defaults: the 1s interval and a gate that breaches on the first failure only', () => {
    const [condition] = parseRollout(guard(CONDITION)).guard?.conditions ?? [];
    const want: GuardCondition = {
      name: 'errors',
      provider: { kind: 'builtin' },
      judge: { kind: 'errorRate', requestsQuery: 'requests', errorsQuery: 'errors', options: {} },
      timeoutMs: DEFAULT_CHECK_TIMEOUT_MS,
      retries: DEFAULT_CHECK_RETRIES,
      intervalMs: DEFAULT_GUARD_INTERVAL_MS,
      gate: GUARD_GATE,
      action: 'rollback',
    };
    assert.deepEqual(condition, want);
  });

  test('the guard defaults are those of the domain default guard', () => {
    const [builtin] = DEFAULT_GUARD.conditions;
    assert.deepEqual(builtin?.gate, GUARD_GATE);
    assert.equal(builtin?.intervalMs, DEFAULT_GUARD_INTERVAL_MS);
    assert.equal(builtin?.action, 'rollback');
  });

  test('without guard and budget the spec has neither; `conditions: []` turns the guard off', () => {
    const plain = parseRollout(withSpec(''));
    assert.equal('guard' in plain, false);
    assert.equal('exposureBudget' in plain, false);
    assert.deepEqual(parseRollout(withSpec('  guard: { conditions: [] }\n')).guard, { conditions: [] });
  });

  test('an exposure budget keeps only the limits given', () => {
    assert.deepEqual(parseRollout(withSpec('  exposureBudget: { maxTrafficMinutes: 0.5 }\n')).exposureBudget, { maxTrafficMinutes: 0.5 });
    assert.deepEqual(parseRollout(withSpec('  exposureBudget: { maxDistinctKeys: 200 }\n')).exposureBudget, { maxDistinctKeys: 200 });
  });

  test('an adaptive step rolls back on a breach unless it says pause', () => {
    assert.deepEqual(parseRollout(adaptive('increment: 0.5')).strategy.steps[0], {
      kind: 'adaptive',
      startWeight: 1,
      increment: 0.5,
      maxWeight: 50,
      healthyForMs: 60_000,
      healthy: { provider: { kind: 'builtin' }, query: 'error-rate', judge: { kind: 'threshold', successCondition: 'result < 0.01' }, timeoutMs: 10_000, retries: 2 },
      onBreach: 'rollback',
    });
  });

  test('guard conditions and health checks may use built-in placeholders', () => {
    const condition = CONDITION.replace('{ errorRate: {} }', '{ errorRate: { errorsQuery: "errors {{args.service}} {{canary}}" } }');
    assert.equal(parseRollout(guard(condition)).guard?.conditions[0]?.judge.kind, 'errorRate');
    const spec = parseRollout(step(`adaptive: { startWeight: 1, factor: 2, maxWeight: 50, healthyFor: 1m, ${HEALTHY.replace('query: error-rate', 'query: "error-rate {{version}}"')} }`));
    assert.equal(spec.strategy.steps[0]?.kind, 'adaptive');
  });
});

describe('guard conditions', () => {
  const CONDITIONS = 'spec.guard.conditions';

  test('guard needs conditions, at most 20', () => {
    problemAt(withSpec('  guard: {}\n'), '{}', { path: CONDITIONS, message: /^missing required field "conditions"$/, expected: 'a list of at most 20 conditions ([] turns the guard off)' });
    const many = Array.from({ length: 21 }, (_, i) => CONDITION.replace('errors', `c${i}`));
    problemAt(guard(...many), '- { name: c0', { path: CONDITIONS, message: /^too many conditions$/, found: 'a list of 21 items' });
    assert.deepEqual(
      problemsOf(withSpec('  guard: { condition: [] }\n')).map((p) => [p.line, p.col, p.path, p.message, p.expected]),
      [
        [7, 10, CONDITIONS, 'missing required field "conditions"', 'a list of at most 20 conditions ([] turns the guard off)'],
        [7, 12, 'spec.guard.condition', 'unknown field "condition"', 'one of: conditions'],
      ],
    );
  });

  test('action is rollback, pause or notify', () => {
    problemAt(guard(CONDITION.replace('errors,', 'errors, action: abort,')), 'abort', {
      path: `${CONDITIONS}[0].action`,
      message: /^invalid action$/,
      found: '"abort"',
      expected: 'rollback (the default), pause or notify: what a breach does',
    });
  });

  test('condition names are unique', () => {
    problemAt(guard(CONDITION, CONDITION), 'errors', { path: `${CONDITIONS}[1].name`, message: /^duplicate condition "errors": already used by conditions\[0\]$/, found: '"errors"' }, 1);
  });

  test('a condition is a metric: judges are checked, a threshold needs a query, its limits name the guard defaults', () => {
    const threshold = '{ name: p99, provider: { builtin: {} }, judge: { threshold: { successCondition: "result < 5" } } }';
    problemAt(guard(threshold), '{ name: p99', { path: `${CONDITIONS}[0].query`, message: /^a threshold judge needs a query$/ });
    problemAt(guard(CONDITION.replace('{ errorRate: {} }', '{ errorRate: { alpha: 0.9 } }')), '0.9', { path: `${CONDITIONS}[0].judge.errorRate.alpha`, message: /^alpha out of range$/ });
    problemAt(guard(CONDITION.replace('errors,', 'errors, inconclusiveLimit: -1,')), '-1', {
      path: `${CONDITIONS}[0].inconclusiveLimit`,
      message: /^inconclusiveLimit out of range$/,
      expected: 'an integer from 0 to 1000000 (default never): inconclusive measurements allowed before a person decides',
    });
    problemAt(guard(CONDITION.replace('errors,', 'errors, count: 1.5,')), '1.5', { path: `${CONDITIONS}[0].count`, message: /^wrong type for "count"$/, expected: /default 0\): measurements to take; 0 means until the rollout ends$/ });
    problemAt(guard(CONDITION.replace('errors,', 'errors, interval: 500ms,')), '500ms', { path: `${CONDITIONS}[0].interval`, message: /^invalid duration$/, expected: /at least 1s/ });
    problemAt(guard(CONDITION.replace('errors,', 'errors, args: {},')), 'args', { path: `${CONDITIONS}[0].args`, message: /^unknown field "args"$/, expected: /^one of: name, interval, .*, retries, action$/ });
  });

  test('placeholders are built-in only: a rollout has no arguments', () => {
    const condition = '{ name: p99, provider: { builtin: {} }, query: "latency {{args.max}}", judge: { threshold: { successCondition: "result < {{limit}}" } } }';
    const text = guard(condition);
    const problems = problemsOf(text);
    assert.equal(problems.length, 2);
    assertProblem(problems[0]!, { ...positionOf(text, '"latency'), path: `${CONDITIONS}[0].query`, message: /names no declared or built-in argument "max"/, found: '"{{args.max}}"', expected: /^a built-in placeholder: \{\{service\}\}/ });
    assertProblem(problems[1]!, { ...positionOf(text, '"result'), path: `${CONDITIONS}[0].judge.threshold.successCondition`, message: /names no declared or built-in argument "limit"/ });
  });
});

describe('exposure budget', () => {
  const BUDGET = 'spec.exposureBudget';

  test('at least one limit', () => {
    problemAt(withSpec('  exposureBudget: {}\n'), '{}', {
      path: BUDGET,
      message: /^an exposure budget needs at least one of maxRequests, maxFailedRequests, maxTrafficMinutes, maxDistinctKeys$/,
      found: 'none of them',
      expected: 'at least one of maxRequests, maxFailedRequests, maxTrafficMinutes, maxDistinctKeys',
    });
    problemAt(withSpec('  exposureBudget: { maxRequest: 5 }\n'), 'maxRequest', { path: `${BUDGET}.maxRequest`, message: /^unknown field "maxRequest"$/, expected: 'one of: maxRequests, maxFailedRequests, maxTrafficMinutes, maxDistinctKeys' });
  });

  test('request limits are integers above 0; traffic-minutes a number above 0', () => {
    problemAt(withSpec('  exposureBudget: { maxRequests: 0 }\n'), '0 }', { path: `${BUDGET}.maxRequests`, message: /^maxRequests out of range$/, found: '0', expected: 'an integer above 0: requests the target may serve' });
    problemAt(withSpec('  exposureBudget: { maxFailedRequests: 2.5 }\n'), '2.5', { path: `${BUDGET}.maxFailedRequests`, message: /^wrong type for "maxFailedRequests"$/, found: '2.5' });
    problemAt(withSpec('  exposureBudget: { maxTrafficMinutes: -1 }\n'), '-1', { path: `${BUDGET}.maxTrafficMinutes`, message: /^maxTrafficMinutes out of range$/, expected: /^a number above 0/ });
    problemAt(withSpec('  exposureBudget: { maxTrafficMinutes: "5" }\n'), '"5"', { path: `${BUDGET}.maxTrafficMinutes`, message: /^wrong type for "maxTrafficMinutes"$/, found: '"5"' });
  });
});

describe('adaptive steps', () => {
  test('exactly one of factor or increment', () => {
    problemAt(adaptive('factor: 2, increment: 5'), '{ startWeight', { path: STEP, message: /^an adaptive step must have exactly one of factor, increment$/, found: 'factor and increment', expected: 'exactly one of factor, increment' });
    problemAt(step(`adaptive: { startWeight: 1, maxWeight: 50, healthyFor: 1m, ${HEALTHY} }`), '{ startWeight', { path: STEP, message: /exactly one of factor, increment$/, found: 'none of them' });
  });

  test('factor above 1 and increment above 0, both at most 100', () => {
    problemAt(adaptive('factor: 1'), '1,', { path: `${STEP}.factor`, message: /^factor out of range$/, found: '1', expected: /^a number above 1, at most 100/ }, 1);
    problemAt(adaptive('factor: 101'), '101', { path: `${STEP}.factor`, message: /^factor out of range$/ });
    problemAt(adaptive('increment: 0'), '0,', { path: `${STEP}.increment`, message: /^increment out of range$/, expected: /^a number above 0, at most 100/ });
  });

  test('weights: startWeight above 0, both on the 0.01 grid, startWeight below maxWeight', () => {
    const weights = (start: string, max: string) => step(`adaptive: { startWeight: ${start}, factor: 2, maxWeight: ${max}, healthyFor: 1m, ${HEALTHY} }`);
    problemAt(weights('0', '50'), '0,', { path: `${STEP}.startWeight`, message: /^startWeight out of range$/, found: '0', expected: 'a number above 0, at most 100, in steps of 0.01' });
    problemAt(weights('0.005', '50'), '0.005', { path: `${STEP}.startWeight`, message: /^startWeight is finer than 0\.01$/, found: '0.005' });
    problemAt(weights('1', '100.5'), '100.5', { path: `${STEP}.maxWeight`, message: /^maxWeight out of range$/, expected: 'a number from 0 to 100 in steps of 0.01' });
    problemAt(weights('10', '10'), '10,', { path: `${STEP}.maxWeight`, message: /^maxWeight 10 is not above startWeight 10$/, found: '10', expected: 'a weight above startWeight (10), at most 100' }, 1);
  });

  test('healthyFor is at least 1s', () => {
    problemAt(step(`adaptive: { startWeight: 1, factor: 2, maxWeight: 50, healthyFor: 900ms, ${HEALTHY} }`), '900ms', { path: `${STEP}.healthyFor`, message: /^invalid duration$/, expected: /at least 1s/ });
    problemAt(step(`adaptive: { startWeight: 1, factor: 2, maxWeight: 50, ${HEALTHY} }`), '{ startWeight', { path: `${STEP}.healthyFor`, message: /^missing required field "healthyFor"$/ });
  });

  test('healthy is a metric check: a threshold needs a query, no polling fields, built-in placeholders only', () => {
    const check = (text: string) => step(`adaptive: { startWeight: 1, factor: 2, maxWeight: 50, healthyFor: 1m, healthy: ${text} }`);
    problemAt(check('{ provider: { builtin: {} }, judge: { threshold: { successCondition: "result < 1" } } }'), '{ provider', { path: `${STEP}.healthy.query`, message: /^a threshold judge needs a query$/ });
    problemAt(check('{ provider: { builtin: {} }, judge: { errorRate: {} }, within: 1m }'), 'within', { path: `${STEP}.healthy.within`, message: /^unknown field "within"$/, expected: 'one of: provider, query, judge, window, timeout, retries' });
    problemAt(check('{ provider: { builtin: {} }, query: "x {{args.team}}", judge: { threshold: { successCondition: "result < 1" } } }'), '"x', { path: `${STEP}.healthy.query`, message: /names no declared or built-in argument "team"/, expected: /^a built-in placeholder/ });
    problemAt(step('adaptive: { startWeight: 1, factor: 2, maxWeight: 50, healthyFor: 1m }'), '{ startWeight', { path: `${STEP}.healthy`, message: /^missing required field "healthy"$/, expected: /^a map with provider, judge/ });
  });

  test('onBreach is rollback or pause', () => {
    problemAt(adaptive('factor: 2', 'onBreach: notify, '), 'notify', { path: `${STEP}.onBreach`, message: /^invalid onBreach$/, found: '"notify"', expected: 'rollback (the default) or pause: what a failed health check does' });
  });

  test('an adaptive step is a step kind of its own', () => {
    problemAt(step(`{ setWeight: 5, adaptive: { startWeight: 1, factor: 2, maxWeight: 50, healthyFor: 1m, ${HEALTHY} } }`), '{ setWeight', {
      path: 'spec.strategy.canary.steps[0]',
      message: /^a step must have exactly one of .*, load, adaptive, pointOfNoReturn, contract$/,
      found: 'setWeight and adaptive',
    });
  });
});
