// Runs every case of the Unleash client specification (github.com/Unleash/client-specification,
// copied verbatim to ../shared/external/unleash-client-spec next to the repository): each `tests`
// case through isEnabled and each `variantTests` case through getVariant, one test() per case.
// Delta-API files (19, 20) hold a list of events instead of a state: they are applied with
// applyDeltaEvents first.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyDeltaEvents } from './delta.js';
import { getVariant, isEnabled } from './evaluate.js';
import type { EvaluateOptions, FlagContext, FlagState } from './model.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const specDir = resolve(repoRoot, '../shared/external/unleash-client-spec/specifications');
const EXPECTED_CASES = 279;

interface SpecCase {
  readonly description: string;
  readonly context: FlagContext;
  readonly toggleName: string;
  readonly expectedResult: unknown;
}
interface SpecFile {
  readonly name: string;
  readonly state: FlagState | { readonly events: readonly unknown[] };
  readonly tests?: readonly SpecCase[];
  readonly variantTests?: readonly SpecCase[];
}

function stateOf(spec: SpecFile): FlagState {
  if ('events' in spec.state) return applyDeltaEvents({ features: [] }, spec.state.events).state;
  return spec.state;
}

// The effects a real client would supply; the spec's random cases are 0% or 100%, so any source passes.
const options: EvaluateOptions = { random: Math.random, now: Date.now() };

if (!existsSync(join(specDir, 'index.json'))) {
  test('Unleash client specification', (t) => {
    const message = `SKIP unleash-spec: ${specDir} is missing (clone the shared folder next to the repository)`;
    console.log(message);
    if (process.env.CI === 'true') assert.fail(message);
    t.skip(message);
  });
} else {
  const files = JSON.parse(readFileSync(join(specDir, 'index.json'), 'utf8')) as string[];
  let ran = 0;
  const perFile: string[] = [];
  for (const file of files) {
    const spec = JSON.parse(readFileSync(join(specDir, file), 'utf8')) as SpecFile;
    const state = stateOf(spec);
    const count = (spec.tests?.length ?? 0) + (spec.variantTests?.length ?? 0);
    perFile.push(`${file}: ${count}`);
    describe(file, () => {
      for (const c of spec.tests ?? []) {
        test(`isEnabled: ${c.description}`, () => {
          ran++;
          assert.equal(isEnabled(state, c.toggleName, c.context, options), c.expectedResult);
        });
      }
      for (const c of spec.variantTests ?? []) {
        test(`getVariant: ${c.description}`, () => {
          ran++;
          const v = getVariant(state, c.toggleName, c.context, options);
          const actual: Record<string, unknown> = { name: v.name, enabled: v.enabled, feature_enabled: v.featureEnabled };
          if (v.payload) actual['payload'] = v.payload;
          assert.deepEqual(actual, c.expectedResult);
        });
      }
    });
  }
  after(() => {
    console.log(`unleash-spec: ${ran} cases run from ${files.length} files (${perFile.join(', ')})`);
    if (ran !== EXPECTED_CASES) console.log(`unleash-spec: expected ${EXPECTED_CASES} cases, ran ${ran}`);
  });
  test('the specification holds the 279 cases issue 7 names', () => {
    const total = files
      .map((file) => JSON.parse(readFileSync(join(specDir, file), 'utf8')) as SpecFile)
      .reduce((sum, spec) => sum + (spec.tests?.length ?? 0) + (spec.variantTests?.length ?? 0), 0);
    assert.equal(total, EXPECTED_CASES);
  });
}
