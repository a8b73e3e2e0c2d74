/**
 * Structural checks on definitions that arrive as JSON. They throw `FlagDefinitionError`, which
 * only the evaluator catches (turning it into reason ERROR, code PARSE_ERROR): nothing escapes.
 */
import type { ConstraintDefinition, FeatureDefinition, StrategyDefinition, VariantDefinition } from './model.js';

export class FlagDefinitionError extends Error {
  override readonly name = 'FlagDefinitionError';
}

function fail(where: string, what: string): never {
  throw new FlagDefinitionError(`${where}: ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An optional array (null/undefined allowed) whose items all pass `check`. */
function optionalArray(v: unknown, where: string, check: (item: unknown, at: string) => void): void {
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) fail(where, 'must be an array');
  v.forEach((item, i) => check(item, `${where}[${i}]`));
}

function optionalString(v: unknown, where: string): void {
  if (v !== undefined && v !== null && typeof v !== 'string') fail(where, 'must be a string');
}

function stringItem(v: unknown, where: string): void {
  if (typeof v !== 'string') fail(where, 'must be a string');
}

export function checkConstraint(c: unknown, where: string): asserts c is ConstraintDefinition {
  if (!isObject(c)) fail(where, 'constraint must be an object');
  if (typeof c['contextName'] !== 'string') fail(`${where}.contextName`, 'must be a string');
  if (typeof c['operator'] !== 'string') fail(`${where}.operator`, 'must be a string');
  optionalArray(c['values'], `${where}.values`, stringItem);
  if (typeof c['value'] === 'number') return;
  optionalString(c['value'], `${where}.value`);
}

function checkVariant(v: unknown, where: string): asserts v is VariantDefinition {
  if (!isObject(v)) fail(where, 'variant must be an object');
  if (typeof v['name'] !== 'string') fail(`${where}.name`, 'must be a string');
  const weight = v['weight'];
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) fail(`${where}.weight`, 'must be a non-negative number');
  optionalString(v['stickiness'], `${where}.stickiness`);
  const payload = v['payload'];
  if (payload !== undefined && payload !== null) {
    if (!isObject(payload) || typeof payload['type'] !== 'string' || typeof payload['value'] !== 'string') {
      fail(`${where}.payload`, 'must be { type: string, value: string }');
    }
  }
  optionalArray(v['overrides'], `${where}.overrides`, (o, at) => {
    if (!isObject(o) || typeof o['contextName'] !== 'string') fail(at, 'override must have a contextName');
    optionalArray(o['values'], `${at}.values`, stringItem);
  });
}

function checkStrategy(s: unknown, where: string): asserts s is StrategyDefinition {
  if (!isObject(s)) fail(where, 'strategy must be an object');
  if (typeof s['name'] !== 'string') fail(`${where}.name`, 'must be a string');
  const parameters = s['parameters'];
  if (parameters !== undefined && parameters !== null && !isObject(parameters)) fail(`${where}.parameters`, 'must be an object');
  optionalArray(s['constraints'], `${where}.constraints`, checkConstraint);
  optionalArray(s['segments'], `${where}.segments`, (id, at) => {
    if (typeof id !== 'number') fail(at, 'segment id must be a number');
  });
  optionalArray(s['variants'], `${where}.variants`, checkVariant);
}

/** Checks the shape of one feature (not its parents: they are checked when evaluated). */
export function checkFeature(f: unknown): asserts f is FeatureDefinition {
  if (!isObject(f)) fail('feature', 'must be an object');
  const where = `feature ${JSON.stringify(String(f['name']))}`;
  if (typeof f['name'] !== 'string') fail(where, 'name must be a string');
  if (typeof f['enabled'] !== 'boolean') fail(`${where}.enabled`, 'must be a boolean');
  optionalArray(f['strategies'], `${where}.strategies`, checkStrategy);
  optionalArray(f['variants'], `${where}.variants`, checkVariant);
  optionalArray(f['dependencies'], `${where}.dependencies`, (d, at) => {
    if (!isObject(d) || typeof d['feature'] !== 'string') fail(at, 'dependency must name a feature');
    if (d['enabled'] !== undefined && d['enabled'] !== null && typeof d['enabled'] !== 'boolean') fail(`${at}.enabled`, 'must be a boolean');
    optionalArray(d['variants'], `${at}.variants`, stringItem);
  });
}
