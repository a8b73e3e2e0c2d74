import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExperimentResourceSpec } from '@sluice/domain';
import { parseResources } from './parse-resources.js';
import { positionOf } from './testing/positions.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

const VERSIONS = `apiVersion: sluice.dev/v1
kind: Experiment
metadata: { name: new-checkout }
spec:
  service: shop
  variants:
    - { name: control, weight: 50, version: v1 }
    - { name: treatment, weight: 50, version: v2 }
  control: control
  primary: { name: purchase, event: checkout, kind: conversion, direction: increase }
  guardrails:
    - { name: errors, kind: conversion, direction: decrease, provider: { builtin: {} }, successQuery: errors, totalQuery: requests, maxDegradation: 0.1 }
`;

const FLAGS = `apiVersion: sluice.dev/v1
kind: Experiment
metadata: { name: button }
spec:
  variants:
    - { name: blue, weight: 50, flag: button, variation: blue }
    - { name: green, weight: 50, flag: button, variation: green }
  control: blue
  primary: { name: click, event: click, kind: conversion, direction: increase }
  guardrails:
    - { name: errors, kind: conversion, direction: decrease, provider: { builtin: {} }, successQuery: errors, totalQuery: requests }
`;

const edit = (from: string, to: string, text = VERSIONS): string => {
  assert.ok(text.includes(from), from);
  return text.replace(from, to);
};

describe('parseResources: Experiment metrics read from a provider', () => {
  test('a provider guardrail maps onto a ProviderMetric with its provider and queries; an event metric keeps its event', () => {
    const spec = parseResources(VERSIONS, { file: 'shop.yaml' })[0]?.spec as ExperimentResourceSpec;
    assert.deepEqual(spec.guardrailMetrics, [{ name: 'errors', provider: { kind: 'builtin' }, successQuery: 'errors', totalQuery: 'requests', kind: 'conversion', direction: 'decrease', maxDegradation: 0.1 }]);
    assert.deepEqual(spec.primaryMetric, { name: 'purchase', event: 'checkout', kind: 'conversion', direction: 'increase' });
  });

  test('a prometheus provider with {{version}} and {{window}} placeholders is accepted', () => {
    const text = edit('provider: { builtin: {} }, successQuery: errors, totalQuery: requests', 'provider: { prometheus: { address: "http://127.0.0.1:9090" } }, successQuery: "sum(increase(errors_total{version=\\"{{version}}\\"}[{{window}}]))", totalQuery: "sum(increase(requests_total{service=\\"{{ service }}\\"}[{{args.window}}]))"');
    const spec = parseResources(text, { file: 'shop.yaml' })[0]?.spec as ExperimentResourceSpec;
    const metric = spec.guardrailMetrics[0];
    assert.ok(metric !== undefined && 'provider' in metric);
    assert.deepEqual(metric.provider, { kind: 'prometheus', address: 'http://127.0.0.1:9090' });
    assert.match(metric.successQuery, /\{\{version\}\}/);
  });

  test('a provider metric on an experiment of flag variants is refused at its provider', () => {
    assertProblem(onlyProblem(problemsOf(FLAGS)), { ...positionOf(FLAGS, '{ builtin'), path: 'spec.guardrails[0].provider', message: /metric "errors" reads a provider.*only an experiment whose variants are versions/ });
  });

  test('an unknown placeholder, and one only a rollout sets, are refused at the query', () => {
    const text = edit('successQuery: errors', 'successQuery: "errors-{{args.zone}}"').replace('totalQuery: requests', 'totalQuery: "{{canary}}"');
    const problems = problemsOf(text);
    assert.equal(problems.length, 2, JSON.stringify(problems));
    assertProblem(problems[0]!, { ...positionOf(text, '"errors-'), path: 'spec.guardrails[0].successQuery', message: /names no declared or built-in argument "zone"/, found: '"{{args.zone}}"', expected: 'one of {{service}}, {{version}}, {{window}}' });
    assertProblem(problems[1]!, { ...positionOf(text, '"{{canary}}"'), path: 'spec.guardrails[0].totalQuery', message: /set in a rollout's analysis, not in an experiment/ });
  });

  test('a provider metric needs both queries and kind conversion, and reads no event besides', () => {
    const text = edit(', totalQuery: requests', '').replace('name: errors, kind: conversion', 'name: errors, event: oops, kind: mean');
    const problems = problemsOf(text);
    const byMessage = (re: RegExp) => problems.find((p) => re.test(p.message));
    assert.equal(problems.length, 3, JSON.stringify(problems));
    assertProblem(byMessage(/reads both event "oops" and a provider/)!, { ...positionOf(text, 'oops'), path: 'spec.guardrails[0].event', message: /both/ });
    assertProblem(byMessage(/only kind conversion/)!, { ...positionOf(text, 'mean'), path: 'spec.guardrails[0].kind', message: /provider/, found: '"mean"' });
    assertProblem(byMessage(/needs totalQuery/)!, { ...positionOf(text, '{ name: errors'), path: 'spec.guardrails[0]', message: /needs totalQuery/ });
  });

  test('a metric with neither event nor provider, and queries on an event metric, are refused', () => {
    const text = edit('name: purchase, event: checkout,', 'name: purchase,').replace('provider: { builtin: {} }, successQuery: errors, totalQuery: requests', 'event: failed, totalQuery: requests');
    const problems = problemsOf(text);
    assert.equal(problems.length, 2, JSON.stringify(problems));
    assertProblem(problems[0]!, { ...positionOf(text, '{ name: purchase'), path: 'spec.primary', message: /metric "purchase" needs event \(or provider, successQuery and totalQuery\)/ });
    assertProblem(problems[1]!, { ...positionOf(text, 'requests'), path: 'spec.guardrails[0].totalQuery', message: /totalQuery is only for a metric with a provider/ });
  });

  test('a provider that is not one of the kinds is a schema problem', () => {
    const text = edit('provider: { builtin: {} }', 'provider: { graphite: {} }');
    assert.equal(onlyProblem(problemsOf(text)).path, 'spec.guardrails[0].provider.graphite');
  });
});
