import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { FuzzRandom, fuzzSettings } from '@sluice/domain/testing/fuzz-random';
import { parseResources } from '../parse-resources.js';
import { ANALYSIS_YAML } from '../testing/analysis-example.js';
import { EXAMPLE_YAML } from '../testing/example.js';
import { GUARD_YAML } from '../testing/guard-example.js';
import { SHARED_LISTEN_YAML } from '../testing/proxy-example.js';
import { ROUTING_YAML } from '../testing/routing-example.js';
import { hostileSpec, mutateSpec } from '../testing/spec-mutations.js';

const repo = new URL('../../../../', import.meta.url);
const DEMOS = ['demo/shop.yaml', 'demo/verified-rollout.yaml', 'demo/flags.yaml'].map((f) => readFileSync(new URL(f, repo), 'utf8'));
const SEEDS = [EXAMPLE_YAML, ANALYSIS_YAML, GUARD_YAML, SHARED_LISTEN_YAML, ROUTING_YAML, ...DEMOS];
const FILE = 'fuzz.yaml';
/** The slowest a single input may take: a 1 MiB document parses in well under this on a busy CI core. */
const MAX_MS_PER_INPUT = 2_000;
const { seed, n } = fuzzSettings(process.env, { seed: 20_240_601, n: 10_000 });

/** What one input gave: 'accepted' or the error code, and why that is not acceptable (undefined when it is). */
function verdict(text: string): { outcome: string; failure: string | undefined } {
  let resources: unknown;
  try {
    resources = parseResources(text, { file: FILE });
  } catch (error) {
    return { outcome: (error as SluiceError).code ?? 'thrown', failure: rejection(error) };
  }
  const ok = Array.isArray(resources) && resources.length > 0;
  return { outcome: 'accepted', failure: ok ? undefined : 'parsed to no resources without an error' };
}

function rejection(error: unknown): string | undefined {
  {
    if (!(error instanceof SluiceError)) return `threw a ${(error as Error)?.constructor?.name}: ${(error as Error)?.stack ?? String(error)}`;
    if (error.code !== ErrorCode.INVALID_SPEC && error.code !== ErrorCode.PAYLOAD_TOO_LARGE) return `unexpected code ${error.code}`;
    if (error.problems.length === 0) return `${error.code} without problems: ${error.message}`;
    for (const p of error.problems) {
      if (typeof p.message !== 'string' || p.message.trim() === '') return `a problem without a message: ${JSON.stringify(p)}`;
      if (p.file !== FILE) return `a problem naming file ${String(p.file)}: ${JSON.stringify(p)}`;
      // A spec problem says where: a line and column, or a field path. Size limits concern the whole input.
      const placed = (Number.isInteger(p.line) && Number.isInteger(p.col)) || (typeof p.path === 'string' && p.path !== '');
      if (error.code === ErrorCode.INVALID_SPEC && !placed) return `a problem without a position: ${JSON.stringify(p)}`;
      if (p.line !== undefined && (p.line < 1 || (p.col ?? 1) < 1)) return `a position before the start: ${JSON.stringify(p)}`;
    }
    return undefined;
  }
}

test('the fuzz seeds parse as they are (so mutations start from valid documents)', () => {
  for (const text of SEEDS) assert.ok(parseResources(text, { file: FILE }).length > 0);
  assert.deepEqual(verdict('kind: ['), { outcome: 'INVALID_SPEC', failure: undefined }, 'broken YAML is an INVALID_SPEC with a position');
  assert.match(rejection(new RangeError('Maximum call stack size exceeded')) ?? '', /threw a RangeError/);
});

test(`parseResources answers every mutated document with resources or a placed SluiceError (seed ${seed}, ${n} inputs)`, () => {
  console.log(`spec fuzz: seed ${seed} (SLUICE_FUZZ_SEED), ${n} inputs (SLUICE_FUZZ_N)`);
  const rng = new FuzzRandom(seed);
  const counts: Record<string, number> = { accepted: 0, INVALID_SPEC: 0, PAYLOAD_TOO_LARGE: 0 };
  let slowest = { ms: 0, index: -1, bytes: 0 };
  let parsing = 0;
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const text = rng.chance(0.12) ? hostileSpec(rng) : mutateSpec(rng, SEEDS);
    const t0 = performance.now();
    const { outcome, failure } = verdict(text);
    const ms = performance.now() - t0;
    parsing += ms;
    if (ms > slowest.ms) slowest = { ms, index: i, bytes: text.length };
    assert.equal(failure, undefined, `input #${i} of seed ${seed} (${text.length} chars): ${failure}\n--- input (first 2000 chars) ---\n${text.slice(0, 2000)}`);
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  const total = performance.now() - started;
  console.log(`spec fuzz: ${n} inputs in ${(total / 1000).toFixed(1)} s (${(parsing / 1000).toFixed(1)} s parsing); outcomes ${JSON.stringify(counts)}; slowest input #${slowest.index} (${slowest.bytes} chars) ${slowest.ms.toFixed(1)} ms`);
  assert.ok(slowest.ms < MAX_MS_PER_INPUT, `input #${slowest.index} took ${slowest.ms.toFixed(0)} ms`);
  // The mutations must reach both sides: some inputs still parse, most are rejected.
  if (n >= 1000) assert.ok(counts['accepted']! > 0 && counts['INVALID_SPEC']! > n / 2, JSON.stringify(counts));
});
