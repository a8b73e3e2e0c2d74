// `npm run bench:flags [-- --quick] [-- --users N] [-- --rounds N]`: flag evaluations per second
// for one flag (10 % flexibleRollout on userId + country IN [DE, FR, NL]) over distinct users, for
// Sluice's compiled evaluator, Sluice's interpreting evaluateFlag, unleash-client, GrowthBook,
// OpenFeature's InMemoryProvider and a bare murmur3 loop (the limit). Checks the targets (≥ 5× the
// fastest SDK, ≥ 30 % of the bare loop) and writes flat JSON to bench/results/flags.json.
// See bench/flags/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bareHash } from './bare.js';
import { sluiceCompiled, sluiceInterpreted, unleash, type Contender } from './contenders.js';
import { expectedEnabled, makeUsers, MATCH_RATE, ROLLOUT_PERCENT } from './fixture.js';
import { measureAll, table, type Measured } from './measure.js';
import { growthbookClient, growthbookInstance, openfeature } from './peers.js';

const resultsFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'flags.json');

interface Options {
  readonly quick: boolean;
  readonly users: number;
  readonly rounds: number;
}

function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string): number | undefined => {
    const i = argv.indexOf(flag);
    const n = i >= 0 ? Number(argv[i + 1]) : Number.NaN;
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  return { quick, users: value('--users') ?? (quick ? 100_000 : 1_000_000), rounds: value('--rounds') ?? 5 };
}

/** Every contender must enable the users the reference rule enables (bare: the bucket alone). */
function checkAgreement(rows: readonly Measured[], expectedFraction: number, bucketFraction: number): string[] {
  const problems: string[] = [];
  for (const r of rows) {
    const want = r.contender.key === 'bareHash' ? bucketFraction : expectedFraction;
    // GrowthBook hashes differently (FNV-1a): the same share, other users.
    const slack = r.contender.key.startsWith('growthbook') ? 0.01 : 1e-9;
    if (Math.abs(r.enabledFraction - want) > slack) problems.push(`${r.contender.label}: ${(100 * r.enabledFraction).toFixed(3)} % enabled, expected ${(100 * want).toFixed(3)} %`);
  }
  return problems;
}

function results(rows: readonly Measured[], options: Options): Record<string, number | string | boolean> {
  const get = (key: string): number => rows.find((r) => r.contender.key === key)?.median ?? Number.NaN;
  const growthbook = Math.max(get('growthbookInstance'), get('growthbookClient'));
  const fastestPeer = Math.max(get('unleash'), growthbook, get('openfeature'));
  const out: Record<string, number | string | boolean> = {
    evalsPerSecond: get('sluiceCompiled'),
    evalRatioToFastestPeer: get('sluiceCompiled') / fastestPeer,
    evalRatioToBareHash: get('sluiceCompiled') / get('bareHash'),
    growthbookEvalsPerSecond: growthbook,
    growthbookApi: get('growthbookClient') >= get('growthbookInstance') ? 'GrowthBookClient' : 'GrowthBook',
  };
  for (const r of rows) {
    out[`${r.contender.key}EvalsPerSecond`] = r.median;
    out[`${r.contender.key}BestEvalsPerSecond`] = r.best;
    out[`${r.contender.key}EnabledFraction`] = r.enabledFraction;
  }
  return { ...out, users: options.users, rounds: options.rounds, quick: options.quick, node: process.version, measuredAt: new Date().toISOString() };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  console.log(`Flag evaluation benchmark — ${options.quick ? 'quick' : 'full'}: ${options.users.toLocaleString('en')} distinct users, ${options.rounds} interleaved rounds (median), node ${process.version}`);
  console.log(`Flag: ${ROLLOUT_PERCENT} % flexibleRollout (stickiness userId) + country IN [DE, FR, NL] (${100 * MATCH_RATE} % of users match)\n`);
  const users = makeUsers(options.users);
  const expected = users.filter(expectedEnabled).length / users.length;
  const contenders: Contender[] = [sluiceCompiled(), sluiceInterpreted(), await unleash(), growthbookInstance(), growthbookClient(), await openfeature(), bareHash()];
  for (const c of contenders) c.prepare(users); // all contexts built before any timing
  const rows = await measureAll(contenders, users.length, options.rounds, (line) => console.log(line));
  for (const c of contenders) c.close?.();
  const bucket = rows.find((r) => r.contender.key === 'bareHash')?.enabledFraction ?? Number.NaN;
  const out = results(rows, options);
  console.log(`\n${table(rows, out['evalsPerSecond'] as number)}\n`);
  const problems = checkAgreement(rows, expected, bucket);
  console.log(problems.length === 0 ? `Agreement: every contender enables ${(100 * expected).toFixed(2)} % (bare loop, no constraint: ${(100 * bucket).toFixed(2)} %)` : `Agreement problems:\n  ${problems.join('\n  ')}`);
  const mark = (ok: boolean): string => (ok ? '✓' : '✗');
  const toPeer = out['evalRatioToFastestPeer'] as number;
  const toBare = out['evalRatioToBareHash'] as number;
  console.log(`\nTargets (fastest SDK: GrowthBook via ${String(out['growthbookApi'])} unless noted)`);
  console.log(`  ${mark(toPeer >= 5)} ≥ 5× the fastest SDK: ${toPeer.toFixed(2)}×`);
  console.log(`  ${mark(toBare >= 0.3)} ≥ 30 % of the bare murmur3 loop: ${(100 * toBare).toFixed(1)} %`);
  mkdirSync(dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nWrote ${resultsFile} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (problems.length > 0) process.exitCode = 1;
}

await main();
