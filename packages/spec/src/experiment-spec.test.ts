import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExperimentResourceSpec, ServiceSpec } from '@sluice/domain';
import { checkReferences } from './check-references.js';
import { filePath } from './experiment-consistency.js';
import { parseResources } from './parse-resources.js';
import { resourceJsonSchema } from './resource-json-schema.js';
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
  primary: { name: purchase, event: checkout, kind: conversion, direction: increase, minimumDetectableEffect: 0.1 }
  guardrails:
    - { name: latency, event: page-load, kind: mean, direction: decrease, maxDegradation: 0.05 }
  minSamplesPerVariant: 200
  alpha: 0.01
  power: 0.9
`;

const FLAGS = `apiVersion: sluice.dev/v1
kind: Experiment
metadata: { name: button-color }
spec:
  variants:
    - { name: blue, weight: 34, flag: button-color, variation: blue }
    - { name: green, weight: 33, flag: button-color, variation: green }
    - { name: red, weight: 33, flag: button-color, variation: red }
  control: blue
  primary: { name: click, event: "button:click", kind: conversion, direction: increase }
`;

const specOf = (text: string) => parseResources(text, { file: 'shop.yaml' })[0]?.spec as ExperimentResourceSpec;
/** VERSIONS with one line replaced. */
const edit = (from: string, to: string) => {
  assert.ok(VERSIONS.includes(from), from);
  return VERSIONS.replace(from, to);
};

describe('parseResources: Experiment', () => {
  test('an experiment of two versions maps onto the domain spec: serves, metrics with their event, alpha and power on every metric', () => {
    assert.deepEqual(specOf(VERSIONS), {
      name: 'new-checkout',
      service: 'shop',
      variants: [
        { name: 'control', weight: 50, serves: { version: 'v1' } },
        { name: 'treatment', weight: 50, serves: { version: 'v2' } },
      ],
      control: 'control',
      primaryMetric: { name: 'purchase', event: 'checkout', kind: 'conversion', direction: 'increase', minimumDetectableEffect: 0.1, alpha: 0.01, power: 0.9 },
      guardrailMetrics: [{ name: 'latency', event: 'page-load', kind: 'mean', direction: 'decrease', maxDegradation: 0.05, alpha: 0.01, power: 0.9 }],
      minSamplesPerVariant: 200,
    });
  });

  test('an experiment of flag variations needs no service and may have more than two variants', () => {
    const spec = specOf(FLAGS);
    assert.equal(spec.service, undefined);
    assert.deepEqual(spec.variants.map((v) => v.serves), [
      { flag: 'button-color', variation: 'blue' },
      { flag: 'button-color', variation: 'green' },
      { flag: 'button-color', variation: 'red' },
    ]);
    assert.deepEqual(spec.guardrailMetrics, []);
    assert.deepEqual(spec.primaryMetric, { name: 'click', event: 'button:click', kind: 'conversion', direction: 'increase' });
  });

  test('weights that do not sum to 100 are reported at spec.variants with file:line:col', () => {
    const text = edit('{ name: treatment, weight: 50,', '{ name: treatment, weight: 40,');
    assertProblem(onlyProblem(problemsOf(text)), { ...positionOf(text, '- { name: control'), path: 'spec.variants', message: /variant weights must sum to 100, found 90/, found: '90' });
  });

  test('a control that is not a variant, and a duplicate metric name, are reported where they are written', () => {
    const text = edit('control: control', 'control: baseline').replace('name: latency', 'name: purchase');
    const problems = problemsOf(text);
    assert.equal(problems.length, 2, JSON.stringify(problems));
    assertProblem(problems[0]!, { ...positionOf(text, 'baseline'), path: 'spec.control', message: /control "baseline" is not one of the variants/ });
    assertProblem(problems[1]!, { ...positionOf(text, 'purchase', 1), path: 'spec.guardrails[0].name', message: /metric "purchase" appears twice/ });
  });

  test('schema problems: a bad kind of metric, an unknown field, a weight of 0, alpha out of range, a reserved event name', () => {
    const text = edit('kind: conversion', 'kind: ratio')
      .replace('maxDegradation: 0.05', 'maxDegradation: 0.05, minimumDetectableEffect: 0.1')
      .replace('weight: 50, version: v1', 'weight: 0, version: v1')
      .replace('alpha: 0.01', 'alpha: 1.5')
      .replace('event: page-load', 'event: $exposure');
    const problems = problemsOf(text);
    const byPath = new Map(problems.map((p) => [p.path, p]));
    assert.match(byPath.get('spec.primary.kind')?.expected ?? '', /conversion .* or mean/);
    assert.match(byPath.get('spec.guardrails[0].minimumDetectableEffect')?.message ?? '', /unknown field "minimumDetectableEffect"/);
    assert.match(byPath.get('spec.variants[0].weight')?.message ?? '', /weight out of range/);
    assert.match(byPath.get('spec.alpha')?.message ?? '', /out of range/);
    assert.match(byPath.get('spec.guardrails[0].event')?.message ?? '', /invalid event name/);
    assert.equal(problems.length, 5, JSON.stringify(problems, null, 1));
    assertProblem(byPath.get('spec.alpha')!, { ...positionOf(text, '1.5'), path: 'spec.alpha', message: /out of range/, found: '1.5' });
  });

  test('a version experiment needs a service and exactly two variants on two versions', () => {
    const noService = VERSIONS.replace('  service: shop\n', '');
    assertProblem(onlyProblem(problemsOf(noService)), { line: 5, col: 3, path: 'spec.service', message: /needs spec.service/ });
    const three = edit('    - { name: treatment, weight: 50, version: v2 }', '    - { name: treatment, weight: 25, version: v2 }\n    - { name: other, weight: 25, version: v3 }');
    const problem = onlyProblem(problemsOf(three));
    assertProblem(problem, { line: 7, col: 5, path: 'spec.variants', message: /built-in proxy splits a service's traffic between two versions/, found: '3 variants' });
    const same = edit('version: v2', 'version: v1');
    assertProblem(onlyProblem(problemsOf(same)), { ...positionOf(same, 'v1', 2), path: 'spec.variants[1].version', message: /both variants serve version "v1"/ });
  });

  test('a variant serves a version or a flag variation, never both, and all variants are of one kind', () => {
    const both = edit('version: v2 }', 'version: v2, flag: f, variation: x }');
    assertProblem(onlyProblem(problemsOf(both)), { ...positionOf(both, 'v2'), path: 'spec.variants[1].version', message: /serves both a version and a flag variation/ });
    const missing = FLAGS.replace('flag: button-color, variation: red', 'flag: button-color');
    assertProblem(onlyProblem(problemsOf(missing)), { line: 8, col: 7, path: 'spec.variants[2]', message: /variant "red" needs variation/ });
    const mixed = FLAGS.replace('flag: button-color, variation: red', 'version: v2');
    assertProblem(onlyProblem(problemsOf(mixed)), { line: 6, col: 5, path: 'spec.variants', message: /all serve a version of the service, or all a flag variation/, found: '1 version and 2 flag variants' });
  });

  test('domain paths map onto the file: primaryMetric → primary, guardrailMetrics → guardrails, serves → the variant', () => {
    assert.deepEqual(filePath('spec.guardrailMetrics[1].name'), ['spec', 'guardrails', 1, 'name']);
    assert.deepEqual(filePath('spec.primaryMetric.alpha'), ['spec', 'primary', 'alpha']);
    assert.deepEqual(filePath('spec.variants[3].serves'), ['spec', 'variants', 3]);
  });

  test('the JSON schema has the Experiment kind with its fields', () => {
    const schema = resourceJsonSchema() as { oneOf: { properties: { kind: { const: string }; spec: { properties: Record<string, unknown>; required: string[] } } }[] };
    const experiment = schema.oneOf.find((s) => s.properties.kind.const === 'Experiment');
    assert.ok(experiment);
    assert.deepEqual(Object.keys(experiment.properties.spec.properties).sort(), ['alpha', 'control', 'guardrails', 'minSamplesPerVariant', 'power', 'primary', 'service', 'variants']);
    assert.deepEqual([...experiment.properties.spec.required].sort(), ['control', 'primary', 'variants']);
  });
});

describe('checkReferences: Experiment', () => {
  const shop: ServiceSpec = { listen: '127.0.0.1:8080', stickiness: { cookie: 'c' }, versions: { v1: { kind: 'upstreams', upstreams: ['http://127.0.0.1:1'] }, v2: { kind: 'upstreams', upstreams: ['http://127.0.0.1:2'] } }, stable: 'v1' };
  const refs = (text: string, stable = 'v1') => checkReferences(parseResources(text, { file: 'e.yaml' }), { services: new Map([['shop', { ...shop, stable }]]) });

  test('an experiment on existing versions whose control is the stable version has no problems', () => {
    assert.deepEqual(refs(VERSIONS), []);
    assert.deepEqual(refs(FLAGS), []);
  });

  test('a missing service, an undeclared version, and a control that is not the stable version are reported', () => {
    const missing = refs(VERSIONS.replace('service: shop', 'service: cart'));
    assert.equal(missing.length, 1);
    assert.match(missing[0]?.message ?? '', /service "cart" does not exist/);
    assert.equal(missing[0]?.path, 'spec.service');
    const undeclared = refs(VERSIONS.replace('version: v2', 'version: v9'));
    assert.deepEqual(undeclared.map((p) => [p.path, p.expected]), [['spec.variants[1].version', 'one of: v1, v2']]);
    const promoted = refs(VERSIONS, 'v2');
    assert.equal(promoted.length, 1);
    assert.match(promoted[0]?.message ?? '', /the control must serve the stable version of service "shop", v2/);
    assert.equal(promoted[0]?.line, 7);
  });
});
