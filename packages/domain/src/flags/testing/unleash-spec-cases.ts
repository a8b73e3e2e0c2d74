// Runs every case of the Unleash client specification (github.com/Unleash/client-specification,
// copied verbatim to ../shared/external/unleash-client-spec next to the repository) through an
// evaluator: each `tests` case through isEnabled and each `variantTests` case through getVariant,
// one test() per case. Delta-API files (19, 20) hold a list of events instead of a state: they are
// applied with applyDeltaEvents first. Shared by the interpreting and the compiled evaluator.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyDeltaEvents } from '../delta.js';
import type { EvaluateOptions, FlagContext, FlagState, ResolvedVariant } from '../model.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
export const SPEC_DIR = resolve(repoRoot, '../shared/external/unleash-client-spec/specifications');
export const EXPECTED_CASES = 279;

export interface SpecCase {
  readonly description: string;
  readonly context: FlagContext;
  readonly toggleName: string;
  readonly expectedResult: unknown;
}
export interface SpecFile {
  readonly name: string;
  readonly state: FlagState | { readonly events: readonly unknown[] };
  readonly tests?: readonly SpecCase[];
  readonly variantTests?: readonly SpecCase[];
}

/** What a spec run needs from an evaluator built for one file's state. */
export interface SpecEvaluator {
  isEnabled(name: string, context: FlagContext): boolean;
  getVariant(name: string, context: FlagContext): ResolvedVariant;
}

export function stateOf(spec: SpecFile): FlagState {
  if ('events' in spec.state) return applyDeltaEvents({ features: [] }, spec.state.events).state;
  return spec.state;
}

/** Every specification file in index order, or undefined when the shared folder is missing. */
export function loadSpecFiles(): { readonly file: string; readonly spec: SpecFile }[] | undefined {
  if (!existsSync(join(SPEC_DIR, 'index.json'))) return undefined;
  const files = JSON.parse(readFileSync(join(SPEC_DIR, 'index.json'), 'utf8')) as string[];
  return files.map((file) => ({ file, spec: JSON.parse(readFileSync(join(SPEC_DIR, file), 'utf8')) as SpecFile }));
}

// The effects a real client would supply; the spec's random cases are 0% or 100%, so any source passes.
export const SPEC_OPTIONS: EvaluateOptions = { random: Math.random, now: Date.now() };

function registerFile(file: string, spec: SpecFile, evaluator: SpecEvaluator, count: () => void): void {
  describe(file, () => {
    for (const c of spec.tests ?? []) {
      test(`isEnabled: ${c.description}`, () => {
        count();
        assert.equal(evaluator.isEnabled(c.toggleName, c.context), c.expectedResult);
      });
    }
    for (const c of spec.variantTests ?? []) {
      test(`getVariant: ${c.description}`, () => {
        count();
        const v = evaluator.getVariant(c.toggleName, c.context);
        const actual: Record<string, unknown> = { name: v.name, enabled: v.enabled, feature_enabled: v.featureEnabled };
        if (v.payload) actual['payload'] = v.payload;
        assert.deepEqual(actual, c.expectedResult);
      });
    }
  });
}

/**
 * Registers one test per specification case for the evaluator `build` makes from each file's
 * state. Without the shared folder: one test that logs a SKIP line (and fails under CI=true).
 */
export function registerUnleashSpec(label: string, build: (state: FlagState, options: EvaluateOptions) => SpecEvaluator): void {
  const loaded = loadSpecFiles();
  if (loaded === undefined) {
    test(`Unleash client specification (${label})`, (t) => {
      const message = `SKIP unleash-spec: ${SPEC_DIR} is missing (clone the shared folder next to the repository)`;
      console.log(message);
      if (process.env.CI === 'true') assert.fail(message);
      t.skip(message);
    });
    return;
  }
  let ran = 0;
  const perFile: string[] = [];
  for (const { file, spec } of loaded) {
    perFile.push(`${file}: ${(spec.tests?.length ?? 0) + (spec.variantTests?.length ?? 0)}`);
    registerFile(file, spec, build(stateOf(spec), SPEC_OPTIONS), () => ran++);
  }
  after(() => {
    console.log(`unleash-spec (${label}): ${ran} cases run from ${loaded.length} files (${perFile.join(', ')})`);
    if (ran !== EXPECTED_CASES) console.log(`unleash-spec (${label}): expected ${EXPECTED_CASES} cases, ran ${ran}`);
  });
  test(`the specification holds the ${EXPECTED_CASES} cases issue 7 names (${label})`, () => {
    const total = loaded.reduce((sum, { spec }) => sum + (spec.tests?.length ?? 0) + (spec.variantTests?.length ?? 0), 0);
    assert.equal(total, EXPECTED_CASES);
  });
}
