import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { resourceJsonSchema } from './resource-json-schema.js';
import { ANALYSIS_YAML } from './testing/analysis-example.js';
import { EXAMPLE_YAML } from './testing/example.js';
import { GUARD_YAML } from './testing/guard-example.js';
import { SHARED_LISTEN_YAML } from './testing/proxy-example.js';
import { ROUTING_YAML } from './testing/routing-example.js';

type Schema = Record<string, unknown>;

/**
 * A small JSON Schema checker covering the keywords the resource schema uses. Returns the paths that
 * fail; enough to show an editor would accept or reject the same documents.
 */
function check(schema: Schema, value: unknown, path = '$'): string[] {
  if (Array.isArray(schema['oneOf'])) {
    const passing = (schema['oneOf'] as Schema[]).filter((s) => check(s, value, path).length === 0);
    return passing.length === 1 ? [] : [`${path}: matches ${passing.length} of oneOf`];
  }
  if (Array.isArray(schema['anyOf'])) {
    const passing = (schema['anyOf'] as Schema[]).filter((s) => check(s, value, path).length === 0);
    return passing.length > 0 ? [] : [`${path}: matches none of anyOf`];
  }
  if ('const' in schema && schema['const'] !== value) return [`${path}: not ${String(schema['const'])}`];
  if (Array.isArray(schema['enum']) && !schema['enum'].includes(value)) return [`${path}: not one of the enum`];
  const type = schema['type'];
  if (type === 'object') return checkObject(schema, value, path);
  if (type === 'array') {
    if (!Array.isArray(value)) return [`${path}: not an array`];
    if (value.length < Number(schema['minItems'] ?? 0) || value.length > Number(schema['maxItems'] ?? Infinity)) return [`${path}: length`];
    return value.flatMap((item, i) => check(schema['items'] as Schema, item, `${path}[${i}]`));
  }
  if (type === 'string') {
    if (typeof value !== 'string') return [`${path}: not a string`];
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value)) return [`${path}: pattern`];
    return value.length > Number(schema['maxLength'] ?? Infinity) ? [`${path}: too long`] : [];
  }
  if (type === 'boolean') return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
  if (type === 'number' || type === 'integer') {
    if (typeof value !== 'number' || (type === 'integer' && !Number.isInteger(value))) return [`${path}: not a ${type}`];
    const inRange = value >= Number(schema['minimum'] ?? -Infinity) && value <= Number(schema['maximum'] ?? Infinity);
    return inRange ? [] : [`${path}: out of range`];
  }
  return [];
}

function checkObject(schema: Schema, value: unknown, path: string): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path}: not an object`];
  const entries = Object.entries(value);
  const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
  const errors = ((schema['required'] ?? []) as string[]).filter((k) => !(k in value)).map((k) => `${path}.${k}: required`);
  if (entries.length < Number(schema['minProperties'] ?? 0) || entries.length > Number(schema['maxProperties'] ?? Infinity)) {
    errors.push(`${path}: property count`);
  }
  for (const [key, item] of entries) {
    if (schema['propertyNames']) errors.push(...check({ type: 'string', ...(schema['propertyNames'] as Schema) }, key, `${path}{${key}}`));
    const sub = properties[key] ?? schema['additionalProperties'];
    if (sub === false || sub === undefined) errors.push(`${path}.${key}: not allowed`);
    else if (sub !== true) errors.push(...check(sub as Schema, item, `${path}.${key}`));
  }
  return errors;
}

const example = () => parseAllDocuments(EXAMPLE_YAML).map((doc) => doc.toJS() as Record<string, unknown>).filter((d) => d !== null);

describe('resourceJsonSchema', () => {
  test('resourceJsonSchema is a draft 2020-12 oneOf Service | Rollout | Segment | AnalysisTemplate | Experiment | Target | Flag', () => {
    const schema = resourceJsonSchema() as Schema;
    assert.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
    const kinds = (schema['oneOf'] as Schema[]).map((s) => ((s['properties'] as Record<string, Schema>)['kind'] ?? {})['const']);
    assert.deepEqual(kinds, ['Service', 'Rollout', 'Segment', 'AnalysisTemplate', 'Experiment', 'Target', 'Flag', 'Webhook']);
  });

  test('resourceJsonSchema accepts both documents of the example', () => {
    const docs = example();
    assert.equal(docs.length, 2);
    for (const doc of docs) assert.deepEqual(check(resourceJsonSchema() as Schema, doc), []);
  });

  test('resourceJsonSchema rejects unknown fields, bad weights, bad durations and two-key steps', () => {
    const [service, rollout] = example() as [Schema, Schema];
    const schema = resourceJsonSchema() as Schema;
    const bad = (doc: Schema, edit: (copy: any) => void) => {
      const copy = structuredClone(doc);
      edit(copy);
      return check(schema, copy);
    };
    assert.notDeepEqual(bad(service, (d) => (d.spec.replicas = 2)), []);
    assert.notDeepEqual(bad(service, (d) => (d.spec.versions.v1.run.readiness.intervall = '1s')), []);
    assert.notDeepEqual(bad(service, (d) => (d.metadata.labels = {})), []);
    assert.notDeepEqual(bad(service, (d) => (d.spec.versions.V1 = d.spec.versions.v1)), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[0].setWeight = 150)), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[1].pause.duration = '30 seconds')), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[3].setWeight = 5)), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.kind = 'Deployment')), []);
  });

  test('resourceJsonSchema accepts segments, routes and routing steps, and rejects bad ones', () => {
    const docs = parseAllDocuments(ROUTING_YAML).map((doc) => doc.toJS() as Schema);
    const schema = resourceJsonSchema() as Schema;
    assert.equal(docs.length, 4);
    for (const doc of docs) assert.deepEqual(check(schema, doc), []);
    const [segment, , service, rollout] = docs as [any, any, any, any];
    const bad = (doc: Schema, edit: (copy: any) => void) => {
      const copy = structuredClone(doc);
      edit(copy);
      return check(schema, copy);
    };
    assert.notDeepEqual(bad(segment, (d) => (d.spec.match[0].bogus = 1)), []);
    assert.notDeepEqual(bad(segment, (d) => (d.spec.match[0].segment = 'x')), []);
    assert.notDeepEqual(bad(service, (d) => (d.spec.routes[0].split = { v2: 500 })), []);
    assert.notDeepEqual(bad(service, (d) => (d.spec.routes[0].split = { V2: 5 })), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[2].setMirror.percent = 150)), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[0].setSegmentRoute.remove = 'yes')), []);
  });

  test('resourceJsonSchema accepts hosts and proxy settings, and rejects bad ones', () => {
    const docs = parseAllDocuments(SHARED_LISTEN_YAML).map((doc) => doc.toJS() as Schema);
    const schema = resourceJsonSchema() as Schema;
    assert.equal(docs.length, 2);
    for (const doc of docs) assert.deepEqual(check(schema, doc), []);
    const [shop] = docs as [any];
    const bad = (edit: (copy: any) => void) => {
      const copy = structuredClone(shop);
      edit(copy);
      return check(schema, copy);
    };
    assert.deepEqual(bad((d) => (d.spec.proxy.limits.maxBodySize = 2048)), []);
    assert.deepEqual(bad((d) => (d.spec.proxy.limits.requestTimeout = 0)), []);
    assert.notDeepEqual(bad((d) => (d.spec.hosts = [])), []);
    assert.notDeepEqual(bad((d) => (d.spec.hosts = ['shop.example.com:8080'])), []);
    assert.notDeepEqual(bad((d) => (d.spec.hosts = ['a.*.example.com'])), []);
    assert.notDeepEqual(bad((d) => (d.spec.proxy.limits.maxBodySize = '16 KiB')), []);
    assert.notDeepEqual(bad((d) => (d.spec.proxy.limits.maxHeaderSize = 100)), []);
    assert.notDeepEqual(bad((d) => (d.spec.proxy.limits.requestTimeout = 5)), []);
    assert.notDeepEqual(bad((d) => (d.spec.proxy.limits.maxBodySize = true)), []);
    assert.notDeepEqual(bad((d) => (d.spec.proxy.outlierDetection.maxEjectedPercent = 101)), []);
    assert.notDeepEqual(bad((d) => (d.spec.proxy.healthCheck.path = 'healthz')), []);
    assert.notDeepEqual(bad((d) => (d.spec.proxy.healthCheck.intervall = '1s')), []);
    assert.notDeepEqual(bad((d) => (d.spec.proxy.outlier = {})), []);
  });

  test('resourceJsonSchema accepts analysis templates and verification steps, and rejects bad ones', () => {
    const docs = parseAllDocuments(ANALYSIS_YAML).map((doc) => doc.toJS() as Schema);
    const schema = resourceJsonSchema() as Schema;
    assert.equal(docs.length, 4);
    for (const doc of docs) assert.deepEqual(check(schema, doc), []);
    const [template, , , rollout] = docs as [any, any, any, any];
    const bad = (doc: Schema, edit: (copy: any) => void) => {
      const copy = structuredClone(doc);
      edit(copy);
      return check(schema, copy);
    };
    assert.deepEqual(bad(template, (d) => (d.spec.args[0].value = 0.02)), []);
    assert.notDeepEqual(bad(template, (d) => (d.spec.args[0].value = true)), []);
    assert.notDeepEqual(bad(template, (d) => (d.spec.args[0].name = 'max-rate')), []);
    assert.notDeepEqual(bad(template, (d) => (d.spec.metrics = [])), []);
    assert.notDeepEqual(bad(template, (d) => (d.spec.metrics[0].retries = 11)), []);
    assert.notDeepEqual(bad(template, (d) => (d.spec.metrics[0].provider.prometheus = { address: 'http://x' })), []);
    assert.notDeepEqual(bad(template, (d) => (d.spec.metrics[0].judge = {})), []);
    assert.notDeepEqual(bad(template, (d) => (d.spec.metrics[0].judge.threshold.successCondtion = 'result < 1')), []);
    assert.notDeepEqual(bad(template, (d) => (d.spec.metrics[1].judge.baseline.direction = 'up')), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.analysis.startingStep = 0)), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[1].analysis.templates = [])), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[1].analysis.args.team = true)), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[4].approval.approvers = [])), []);
    assert.deepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[4].approval.allowAuthor = false)), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[4].approval.allowAuthor = 'no')), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[5].checklist.items[0].operation.http = { url: 'http://x' })), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[6].load.rps = 5000)), []);
    assert.notDeepEqual(bad(rollout, (d) => (d.spec.strategy.canary.steps[6].load.maxInFlight = 0)), []);
  });

  test('resourceJsonSchema accepts the guard, exposure budget and adaptive steps, and rejects bad ones', () => {
    const docs = parseAllDocuments(GUARD_YAML).map((doc) => doc.toJS() as Schema);
    const schema = resourceJsonSchema() as Schema;
    assert.equal(docs.length, 2);
    for (const doc of docs) assert.deepEqual(check(schema, doc), []);
    const [, rollout] = docs as [any, any];
    const bad = (edit: (copy: any) => void) => {
      const copy = structuredClone(rollout);
      edit(copy);
      return check(schema, copy);
    };
    assert.deepEqual(bad((d) => (d.spec.guard.conditions = [])), []);
    assert.notDeepEqual(bad((d) => (d.spec.guard = {})), []);
    assert.notDeepEqual(bad((d) => (d.spec.guard.conditions[0].action = 'abort')), []);
    assert.notDeepEqual(bad((d) => (d.spec.guard.conditions[0].args = {})), []);
    assert.notDeepEqual(bad((d) => (d.spec.exposureBudget = {})), []);
    assert.notDeepEqual(bad((d) => (d.spec.exposureBudget.maxRequests = 1.5)), []);
    assert.notDeepEqual(bad((d) => (d.spec.strategy.canary.steps[0].adaptive.maxWeight = 150)), []);
    assert.notDeepEqual(bad((d) => (d.spec.strategy.canary.steps[0].adaptive.onBreach = 'notify')), []);
    assert.notDeepEqual(bad((d) => (d.spec.strategy.canary.steps[0].adaptive.healthy.within = '1m')), []);
    assert.notDeepEqual(bad((d) => delete d.spec.strategy.canary.steps[1].adaptive.healthy), []);
  });

  test('resourceJsonSchema sets additionalProperties false on every object with fixed fields', () => {
    const open: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const schema = node as Schema;
      if (schema['type'] === 'object' && schema['properties'] && schema['additionalProperties'] !== false) open.push(path);
      for (const [key, child] of Object.entries(schema)) visit(child, `${path}/${key}`);
    };
    visit(resourceJsonSchema(), '#');
    assert.deepEqual(open, []);
  });
});
