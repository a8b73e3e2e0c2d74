import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ANALYSIS_INTERVAL_MS, DEFAULT_CHECK_RETRIES, DEFAULT_CHECK_TIMEOUT_MS, DEFAULT_GATE } from '@sluice/domain';
import type { AnalysisTemplateSpec } from '@sluice/domain';
import { ARG_NAME_EXPECTED } from './analysis-schemas.js';
import { parseResources } from './parse-resources.js';
import { ANALYSIS_YAML } from './testing/analysis-example.js';
import { positionOf } from './testing/positions.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

const HEAD = 'apiVersion: sluice.dev/v1\nkind: AnalysisTemplate\nmetadata: { name: t }\nspec:\n';
/** One metric, block style: its name is on line 6 when the template has no args. */
const METRIC = '    - name: m\n      provider: { builtin: {} }\n      query: error-rate\n      judge: { threshold: { successCondition: "result < 1" } }\n';
const ARGS = '  args:\n    - name: maxErrorRate\n      value: "0.01"\n';

/** An AnalysisTemplate named t with the given metrics (and args, written before them). */
function template(metrics: string, args = ''): string {
  return `${HEAD}${args}  metrics:\n${metrics}`;
}

/** The metric with `from` replaced by `to`. */
const metric = (from: string, to: string) => {
  assert.ok(METRIC.includes(from), from);
  return METRIC.replace(from, to);
};

/** The one problem of `text`, checked to be at the first occurrence of `needle`. */
function problemAt(text: string, needle: string, want: { path: string; message: RegExp; found?: string; expected?: string | RegExp }, nth = 0) {
  assertProblem(onlyProblem(problemsOf(text)), { ...positionOf(text, needle, nth), ...want });
}

const GATE = { count: 0, failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4, consecutiveSuccessLimit: 0 };

describe('AnalysisTemplate on valid input', () => {
  test('parseResources turns both templates of the example into the exact domain objects', () => {
    const resources = parseResources(ANALYSIS_YAML, { file: 'a.yaml' });
    const successRate: AnalysisTemplateSpec = {
      args: [{ name: 'maxErrorRate', value: '0.01' }, { name: 'minRate', value: '0.5' }, { name: 'team' }],
      metrics: [
        {
          name: 'error-rate',
          provider: { kind: 'builtin' },
          query: 'error-rate',
          judge: { kind: 'threshold', successCondition: 'result < {{args.maxErrorRate}}', failureCondition: 'result >= 0.5' },
          windowMs: 60_000,
          timeoutMs: 10_000,
          retries: 2,
          intervalMs: 5_000,
          initialDelayMs: 5_000,
          gate: { ...GATE, count: 12 },
        },
        {
          name: 'throughput',
          provider: { kind: 'prometheus', address: 'http://127.0.0.1:9090' },
          query: 'sum(rate(http_requests_total{service="{{service}}",version="{{args.version}}",team="{{args.team}}"}[{{window}}]))',
          judge: { kind: 'baseline', direction: 'decrease', relativeTolerance: 0.2 },
          timeoutMs: 10_000,
          retries: 2,
          intervalMs: 10_000,
          gate: GATE,
        },
        {
          name: 'orders',
          provider: { kind: 'sql', url: 'sqlite:/var/lib/shop.db' },
          query: 'SELECT count(*) FROM orders WHERE version = {{version}}',
          judge: { kind: 'mannWhitney', options: { direction: 'either', confidenceLevel: 0.95, effectSizeMeasure: 'cles', outlierStrategy: 'remove', mustHaveData: true } },
          timeoutMs: 10_000,
          retries: 2,
          intervalMs: 10_000,
          gate: { ...GATE, count: 3 },
        },
      ],
    };
    const latency: AnalysisTemplateSpec = {
      args: [],
      metrics: [
        {
          name: 'errors',
          provider: { kind: 'builtin' },
          judge: { kind: 'errorRate', requestsQuery: 'requests', errorsQuery: 'errors', options: { minRequests: 100, alpha: 0.05, fastRatio: 5 } },
          timeoutMs: 10_000,
          retries: 2,
          intervalMs: 10_000,
          gate: { ...GATE, count: 10 },
        },
        {
          name: 'p90',
          provider: { kind: 'web', baseUrl: 'https://metrics.example.com/api', jsonPath: '$.value', headers: { Authorization: 'Bearer x' } },
          judge: { kind: 'latency', quantile: 0.9, referenceQuery: 'latency-p90', aboveQuery: '/above?ms={{thresholdMs}}', requestsQuery: 'requests', options: { tau: 0.05 } },
          timeoutMs: 10_000,
          retries: 2,
          intervalMs: 60_000,
          gate: { ...GATE, count: 10 },
        },
        {
          name: 'p75',
          provider: { kind: 'command' },
          judge: { kind: 'latency', quantile: 0.75, referenceQuery: './p75.sh {{args.service}}', aboveQuery: 'requests-above', requestsQuery: 'requests', options: {} },
          timeoutMs: 10_000,
          retries: 2,
          intervalMs: 10_000,
          gate: { ...GATE, count: 10 },
        },
      ],
    };
    const templates = resources.filter((r) => r.kind === 'AnalysisTemplate');
    assert.deepEqual(
      templates.map(({ kind, name, spec }) => ({ kind, name, spec })),
      [
        { kind: 'AnalysisTemplate', name: 'success-rate', spec: successRate },
        { kind: 'AnalysisTemplate', name: 'latency', spec: latency },
      ],
    );
    assert.equal(templates[1]?.source.docIndex, 1);
    assert.deepEqual(templates[0]?.source.locate(['spec', 'metrics', 1, 'name']), { line: 27, col: 13 });
  });

  test('parseResources applies every metric default', () => {
    const [parsed] = parseResources(template(METRIC), { file: 't.yaml' });
    assert.deepEqual(parsed?.spec, {
      args: [],
      metrics: [
        {
          name: 'm',
          provider: { kind: 'builtin' },
          query: 'error-rate',
          judge: { kind: 'threshold', successCondition: 'result < 1' },
          timeoutMs: DEFAULT_CHECK_TIMEOUT_MS,
          retries: DEFAULT_CHECK_RETRIES,
          intervalMs: DEFAULT_ANALYSIS_INTERVAL_MS,
          gate: DEFAULT_GATE,
        },
      ],
    });
  });

  test('parseResources fills in the latency and errorRate query defaults, and the 0.5 reference', () => {
    const judge = '      judge: { latency: { quantile: 0.5 } }\n    - name: e\n      provider: { builtin: {} }\n      judge: { errorRate: {} }\n';
    const [parsed] = parseResources(template(metric('      judge: { threshold: { successCondition: "result < 1" } }\n', judge)), { file: 't.yaml' });
    const judges = parsed?.kind === 'AnalysisTemplate' ? parsed.spec.metrics.map((m) => m.judge) : [];
    assert.deepEqual(judges, [
      { kind: 'latency', quantile: 0.5, referenceQuery: 'latency-p50', aboveQuery: 'requests-above', requestsQuery: 'requests', options: {} },
      { kind: 'errorRate', requestsQuery: 'requests', errorsQuery: 'errors', options: {} },
    ]);
  });
});

describe('AnalysisTemplate conditions and placeholders', () => {
  test('a condition that does not parse is reported at the condition, with the column inside it', () => {
    const text = template(metric('"result < 1"', '"result <<= 1"'));
    problemAt(text, '"result <<= 1"', { path: 'spec.metrics[0].judge.threshold.successCondition', message: /^invalid condition at column 9$/, found: '"<="', expected: 'a number, a name or "("' });
    const amp = template(metric('"result < 1"', '"result > 0 & result < {{args.maxErrorRate}}"'), ARGS);
    problemAt(amp, '"result > 0 &', { path: 'spec.metrics[0].judge.threshold.successCondition', message: /^invalid condition at column 12$/, found: '"&"', expected: '"&&"' });
  });

  test('placeholders count as numbers when a condition is checked, keeping columns', () => {
    const text = template(metric('"result < 1"', '"{{args.maxErrorRate}} < result )"'), ARGS);
    problemAt(text, '"{{args', { path: 'spec.metrics[0].judge.threshold.successCondition', message: /^invalid condition at column 32$/, found: '")"' });
    const ok = template(metric('"result < 1"', '"result < {{ args.maxErrorRate }} * {{args.version}}"'), ARGS);
    assert.equal(parseResources(ok, { file: 't.yaml' }).length, 1);
  });

  test('a failureCondition is checked too, and a threshold needs one of the two conditions', () => {
    const bad = template(metric('successCondition: "result < 1"', 'failureCondition: "result >"'));
    problemAt(bad, '"result >"', { path: 'spec.metrics[0].judge.threshold.failureCondition', message: /^invalid condition at column 9$/, found: 'the end' });
    const neither = template(metric('{ successCondition: "result < 1" }', '{}'));
    problemAt(neither, '{}', { path: 'spec.metrics[0].judge.threshold', message: /needs a successCondition or a failureCondition/, found: 'neither' }, 1);
  });

  test('an unknown placeholder is reported at its string, naming what may be used', () => {
    const text = template(metric('query: error-rate', 'query: "rate{{args.maxErrorRat}}"'), ARGS);
    problemAt(text, '"rate{{', {
      path: 'spec.metrics[0].query',
      message: /^placeholder "\{\{args\.maxErrorRat\}\}" names no declared or built-in argument "maxErrorRat"$/,
      found: '"{{args.maxErrorRat}}"',
      expected: /^a declared argument or a built-in placeholder: \{\{args\.maxErrorRate\}\}, \{\{service\}\}, \{\{version\}\}/,
    });
    const condition = template(metric('"result < 1"', '"result < {{limit}}"'));
    problemAt(condition, '"result < {{limit}}"', { path: 'spec.metrics[0].judge.threshold.successCondition', message: /names no declared or built-in argument "limit"/, expected: /^a built-in placeholder: \{\{service\}\}/ });
  });

  test('a declared argument must be written {{args.NAME}}; an expression is no placeholder', () => {
    const bare = template(metric('query: error-rate', 'query: "x{{maxErrorRate}}"'), ARGS);
    problemAt(bare, '"x{{', { path: 'spec.metrics[0].query', message: /must name the argument as args\.maxErrorRate/, expected: '{{args.maxErrorRate}}' });
    const expression = template(metric('query: error-rate', 'query: "x{{ 1 + 2 }}"'));
    problemAt(expression, '"x{{', { path: 'spec.metrics[0].query', message: /^placeholder "\{\{ 1 \+ 2 \}\}" is not an argument name$/ });
  });

  test('placeholders in errorRate and latency queries are checked too', () => {
    const judge = '      judge: { latency: { quantile: 0.99, aboveQuery: "above?ms={{threshold}}" } }\n';
    const text = template(metric('      judge: { threshold: { successCondition: "result < 1" } }\n', judge));
    problemAt(text, '"above?', { path: 'spec.metrics[0].judge.latency.aboveQuery', message: /names no declared or built-in argument "threshold"/, found: '"{{threshold}}"' });
  });
});

describe('AnalysisTemplate fields', () => {
  test('argument names: valid, not built-in, unique', () => {
    const builtin = template(METRIC, '  args:\n    - name: service\n');
    problemAt(builtin, 'service', { path: 'spec.args[0].name', message: /^"service" is a built-in argument: Sluice sets it$/, expected: /other than the built-in service, version, canary/ });
    const invalid = template(METRIC, '  args:\n    - name: max-rate\n');
    problemAt(invalid, 'max-rate', { path: 'spec.args[0].name', message: /^invalid argument name$/, found: '"max-rate"' });
    const twice = template(METRIC, '  args:\n    - name: a\n    - { name: a, value: "1" }\n');
    problemAt(twice, 'a,', { path: 'spec.args[1].name', message: /^duplicate argument "a": already used by args\[0\]$/ });
    const value = template(METRIC, '  args:\n    - { name: a, value: true }\n');
    problemAt(value, 'true', { path: 'spec.args[0].value', message: /^invalid argument value$/, found: 'true', expected: /a number is turned into text/ });
  });

  test('metric names unique; between 1 and 20 metrics', () => {
    const twice = template(`${METRIC}${METRIC}`);
    problemAt(twice, 'm\n', { path: 'spec.metrics[1].name', message: /^duplicate metric "m": already used by metrics\[0\]$/ }, 1);
    const none = `${HEAD}  metrics: []\n`;
    problemAt(none, '[]', { path: 'spec.metrics', message: /^wrong number of metrics$/, found: 'a list of 0 items', expected: 'a list of 1 to 20 metrics' });
    const many = template(Array.from({ length: 21 }, (_, i) => METRIC.replace('name: m', `name: m${i}`)).join(''));
    problemAt(many, '- name: m0', { path: 'spec.metrics', message: /^wrong number of metrics$/, found: 'a list of 21 items' });
  });

  test('a provider and a judge have exactly one kind', () => {
    const none = template(metric('{ builtin: {} }', '{}'));
    problemAt(none, '{}', { path: 'spec.metrics[0].provider', message: /^a provider must have exactly one of builtin, prometheus, web, sql, command$/, found: 'none of them' });
    const two = template(metric('judge: { threshold: { successCondition: "result < 1" } }', 'judge: { threshold: { successCondition: "result < 1" }, baseline: {} }'));
    problemAt(two, '{ threshold', { path: 'spec.metrics[0].judge', message: /^a judge must have exactly one of threshold, baseline/, found: 'threshold and baseline' });
  });

  test('threshold, baseline and mannWhitney judges need a query; errorRate does not', () => {
    const text = template(METRIC.replace('      query: error-rate\n', ''));
    problemAt(text, 'name: m', { path: 'spec.metrics[0].query', message: /^a threshold judge needs a query$/, expected: /a query in the provider's language/ });
    assert.equal(onlyProblem(problemsOf(text)).found, undefined);
    const errorRate = template(METRIC.replace('      query: error-rate\n', '').replace('{ threshold: { successCondition: "result < 1" } }', '{ errorRate: {} }'));
    assert.equal(parseResources(errorRate, { file: 't.yaml' }).length, 1);
  });

  test('a latency quantile without a builtin reference needs a referenceQuery', () => {
    const text = template(metric('{ threshold: { successCondition: "result < 1" } }', '{ latency: { quantile: 0.8 } }'));
    problemAt(text, '{ quantile', { path: 'spec.metrics[0].judge.latency.referenceQuery', message: /^quantile 0\.8 has no default referenceQuery$/, expected: /defaults exist only for quantile 0\.5, 0\.9, 0\.99/ });
    const out = template(metric('{ threshold: { successCondition: "result < 1" } }', '{ latency: { quantile: 1 } }'));
    problemAt(out, '1 }', { path: 'spec.metrics[0].judge.latency.quantile', message: /^quantile out of range$/, expected: 'a number between 0 and 1 (exclusive)' });
  });

  test('bad provider settings are reported at their value', () => {
    const prometheus = template(metric('{ builtin: {} }', '{ prometheus: { address: "localhost:9090" } }'));
    problemAt(prometheus, '"localhost', { path: 'spec.metrics[0].provider.prometheus.address', message: /^invalid Prometheus address$/, expected: /absolute http\(s\) URL/ });
    const sql = template(metric('{ builtin: {} }', '{ sql: { url: "mysql://db/x" } }'));
    problemAt(sql, '"mysql', { path: 'spec.metrics[0].provider.sql.url', message: /^invalid SQL URL$/, expected: 'postgres://…, postgresql://… or sqlite:path' });
    const builtin = template(metric('{ builtin: {} }', '{ builtin: { metric: x } }'));
    problemAt(builtin, 'metric: x', { path: 'spec.metrics[0].provider.builtin.metric', message: /^unknown field "metric"$/ });
  });

  test('gate settings, durations and retries are range-checked', () => {
    const cases: [string, string, string, RegExp, RegExp | string][] = [
      ['      retries: 11\n', '11', 'retries', /^retries out of range$/, /from 0 to 10/],
      ['      interval: 500ms\n', '500ms', 'interval', /^invalid duration$/, /at least 1s/],
      ['      failureLimit: -2\n', '-2', 'failureLimit', /^failureLimit out of range$/, /from -1 to/],
      ['      count: 1.5\n', '1.5', 'count', /^wrong type for "count"$/, /an integer from 0/],
      ['      window: 0s\n', '0s', 'window', /^invalid duration$/, /at least 1s/],
    ];
    for (const [line, needle, field, message, expected] of cases) {
      const text = template(`${METRIC}${line}`);
      problemAt(text, needle, { path: `spec.metrics[0].${field}`, message, expected });
    }
  });

  test('judge options are checked against the ranges the judges accept', () => {
    const mann = template(metric('{ threshold: { successCondition: "result < 1" } }', '{ mannWhitney: { effectSizeMeasure: ratio } }'));
    problemAt(mann, 'ratio', { path: 'spec.metrics[0].judge.mannWhitney.effectSizeMeasure', message: /^invalid effectSizeMeasure$/, expected: 'meanRatio or cles' });
    const alpha = template(metric('{ threshold: { successCondition: "result < 1" } }', '{ errorRate: { alpha: 0.9 } }'));
    problemAt(alpha, '0.9', { path: 'spec.metrics[0].judge.errorRate.alpha', message: /^alpha out of range$/, expected: 'a number from 1e-12 to 0.5' });
    const tolerance = template(metric('{ threshold: { successCondition: "result < 1" } }', '{ baseline: { absoluteTolerance: -1 } }'));
    problemAt(tolerance, '-1', { path: 'spec.metrics[0].judge.baseline.absoluteTolerance', message: /^absoluteTolerance out of range$/, expected: 'a number of at least 0' });
    const typo = template(metric('successCondition:', 'successCondtion:'));
    problemAt(typo, 'successCondtion', { path: 'spec.metrics[0].judge.threshold.successCondtion', message: /^unknown field "successCondtion"$/, expected: 'one of: successCondition, failureCondition' });
  });

  test('schema problems and placeholder problems are reported together, in file order', () => {
    const text = template(`${METRIC.replace('query: error-rate', 'query: "x{{args.b}}"')}      retries: 20\n`, '  args: [ { name: a }, { name: a }, { name: service } ]\n');
    assert.deepEqual(
      problemsOf(text).map((p) => [p.line, p.path, p.message, p.expected]),
      [
        [5, 'spec.args[1].name', 'duplicate argument "a": already used by args[0]', 'each argument name once in args'],
        [5, 'spec.args[2].name', '"service" is a built-in argument: Sluice sets it', ARG_NAME_EXPECTED],
        [9, 'spec.metrics[0].query', 'placeholder "{{args.b}}" names no declared or built-in argument "b"', 'a declared argument or a built-in placeholder: {{args.a}}, {{service}}, {{version}}, {{canary}}, {{stable}}, {{rollout}}, {{window}}, {{thresholdMs}}'],
        [11, 'spec.metrics[0].retries', 'retries out of range', 'an integer from 0 to 10 (default 2): provider attempts after the first'],
      ],
    );
  });

  test('two AnalysisTemplates of one name in a file are reported at the second', () => {
    const text = `${template(METRIC)}---\n${template(METRIC)}`;
    problemAt(text, 't }', { path: 'metadata.name', message: /^duplicate AnalysisTemplate "t": already defined at line 3$/ }, 1);
  });
});
