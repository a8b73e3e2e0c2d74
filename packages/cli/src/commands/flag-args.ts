import { InvalidArgumentError } from 'commander';
import { ENVIRONMENT_NAME, ErrorCode, SluiceError } from '@sluice/domain';

/** What the server accepts: variant names of letters, digits, "_", ".", ":" and "-". */
const VARIANT_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;
const PERCENT = /^\d{1,3}(\.\d+)?%?$/;

/** `25`, `12.5`, `0.25%`: a percent from 0 to 100 in steps of 0.01. */
export function parsePercent(text: string): number {
  const n = Number(text.replace(/%$/, ''));
  if (!PERCENT.test(text) || !Number.isFinite(n) || n < 0 || n > 100) {
    throw new InvalidArgumentError(`"${text}" is not a percent: expected a number from 0 to 100, e.g. 25 or 12.5`);
  }
  if (Math.abs(n * 100 - Math.round(n * 100)) > 1e-9) throw new InvalidArgumentError(`"${text}" is finer than 0.01: expected a percent in steps of 0.01`);
  return n;
}

/** `blue=50 green=50`: variant weights in percent (steps of 0.1) that sum to 100. Throws INVALID_REQUEST (exit 2). */
export function parseWeights(pairs: readonly string[]): Record<string, number> {
  try {
    return weightsOf(pairs);
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    throw new SluiceError(ErrorCode.INVALID_REQUEST, error.message, { problems: [] });
  }
}

function weightsOf(pairs: readonly string[]): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq) : '';
    const raw = eq > 0 ? pair.slice(eq + 1) : '';
    if (!VARIANT_NAME.test(name) || !PERCENT.test(raw)) throw new InvalidArgumentError(`"${pair}" is not variant=percent: expected e.g. blue=50 green=50`);
    const weight = Number(raw.replace(/%$/, ''));
    if (weight > 100) throw new InvalidArgumentError(`"${pair}": the weight must be from 0 to 100`);
    if (Math.abs(weight * 10 - Math.round(weight * 10)) > 1e-9) throw new InvalidArgumentError(`"${pair}": weights go in steps of 0.1`);
    if (name in weights) throw new InvalidArgumentError(`variant "${name}" is given twice`);
    weights[name] = weight;
  }
  const sum = Object.values(weights).reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 100) > 1e-6) throw new InvalidArgumentError(`the weights sum to ${Number(sum.toFixed(1))}: expected 100`);
  return weights;
}

/** An environment name: lower-case letters, digits and "-", starting with a letter. */
export function parseEnvironment(text: string): string {
  if (!ENVIRONMENT_NAME.test(text)) throw new InvalidArgumentError(`"${text}" is not an environment name: expected e.g. development, staging or production`);
  return text;
}

/** A flag version or a history limit: a whole number from 1. */
export function parsePositive(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`"${text}" is not a whole number from 1`);
  return n;
}

/** `--context '{"properties":{"plan":"pro"}}'`: a JSON object. */
export function parseContext(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`not JSON (${(error as Error).message}): expected an object such as {"userId":"u1","properties":{"plan":"pro"}}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError('not a JSON object: expected an object such as {"userId":"u1","properties":{"plan":"pro"}}');
  }
  return value as Record<string, unknown>;
}
