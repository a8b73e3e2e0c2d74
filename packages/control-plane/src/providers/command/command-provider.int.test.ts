import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { metricProviderContract, type MetricProviderFixture } from '../metric-provider.contract.js';
import type { MetricQuery } from '../metric-provider.js';
import { CommandMetricProvider, formatArgv, toArgv } from './command-provider.js';

const NODE = process.execPath;
const PROBE = [NODE, '-e', '0'];

/** `{{node}} -e {{script}}`: the script is one argument, so it may hold spaces. */
function node(script: string, args: Record<string, string> = {}, extra = ''): MetricQuery {
  return { query: `{{node}} -e {{script}}${extra}`, args: { node: NODE, script, service: 'api', window: '60s', ...args }, fromMs: 0, toMs: 60_000 };
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, pattern: RegExp): Promise<SluiceError> {
  let caught: SluiceError | undefined;
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof SluiceError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, /^command: /);
    assert.match(error.message, pattern);
    caught = error;
    return true;
  });
  return caught as SluiceError;
}

metricProviderContract('command', async (): Promise<MetricProviderFixture> => ({
  provider: new CommandMetricProvider({ probe: PROBE }),
  withValue: node('console.log("warming up"); console.log(0.25)'),
  expected: 0.25,
  noData: node('process.stdout.write("\\n  \\n")'),
  failing: node('process.exit(3)'),
  // Down: its working directory does not exist, so neither the probe nor any command can start.
  unreachable: new CommandMetricProvider({ probe: ['sluice-no-such-probe'], cwd: join(tmpdir(), 'sluice-no-such-dir-4f1c') }),
  cleanup: async () => undefined,
}));

describe('CommandMetricProvider', () => {
  const provider = new CommandMetricProvider({ probe: PROBE, timeoutMs: 1000, maxOutputBytes: 4096 });

  test('reads the last non-empty line of stdout; resolvedQuery shows the argv as it ran', async () => {
    const result = await provider.measure(node('console.log(1); console.log(" -2.5e3 "); console.log("")'));
    assert.deepEqual(result, { kind: 'value', value: -2500, resolvedQuery: `${NODE} -e ${JSON.stringify('console.log(1); console.log(" -2.5e3 "); console.log("")')}` });
  });

  test('a non-zero exit names the code and carries the end of stderr', async () => {
    const longStderr = `process.stderr.write("x".repeat(2000) + "the real reason"); process.exit(7)`;
    const error = await rejectsWith(provider.measure(node(longStderr)), ErrorCode.ADAPTER_FAILED, /exited with code 7; stderr ends "…x+the real reason"/);
    const tail = /stderr ends "…(x*the real reason)"/.exec(error.message)?.[1] ?? '';
    assert.equal(tail.length, 500);
    assert.match(error.message, new RegExp(`^command: ${NODE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} -e `));
  });

  test('a last line that is not a number is quoted', async () => {
    await rejectsWith(provider.measure(node('console.log(5); console.log("error rate: high")')), ErrorCode.ADAPTER_FAILED, /last line of stdout is "error rate: high", not a number/);
    await rejectsWith(provider.measure(node('console.log("0x10")')), ErrorCode.ADAPTER_FAILED, /"0x10", not a number/);
    await rejectsWith(provider.measure(node('console.log("Infinity")')), ErrorCode.ADAPTER_FAILED, /"Infinity", not a number/);
  });

  test('empty output is no-data', async () => {
    const result = await provider.measure(node(''));
    assert.deepEqual(result.kind, 'no-data');
    if (result.kind === 'no-data') assert.match(result.reason, /printed nothing/);
  });

  test('an argument value is one argv element, never shell syntax', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-cmd-'));
    try {
      const marker = join(dir, 'injected');
      const evil = `"; touch ${marker}; echo "$(touch ${marker})" \`touch ${marker}\` | touch ${marker}`;
      const query = node('console.log(JSON.stringify(process.argv.slice(1)))', { evil, dir }, ' {{evil}} {{dir}}');
      const argv = toArgv(query.query, query.args).argv;
      assert.deepEqual(argv, [NODE, '-e', query.args['script'], evil, dir]);
      const recorder = node('require("fs").writeFileSync(process.argv[1] + "/argv.json", JSON.stringify(process.argv.slice(1))); console.log(process.argv.length)', { evil, dir }, ' {{dir}} {{evil}}');
      const result = await provider.measure(recorder);
      assert.equal(result.kind === 'value' ? result.value : undefined, 3, 'with -e, process.argv is [node, dir, evil] and nothing else');
      assert.deepEqual(JSON.parse(await readFile(join(dir, 'argv.json'), 'utf8')), [dir, evil]);
      await assert.rejects(readFile(marker), /ENOENT/, 'no shell ran the injected command');
      assert.match(result.resolvedQuery, /"\\"; touch /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an unknown placeholder is named and nothing runs', async () => {
    await rejectsWith(provider.measure(node('console.log(1)', {}, ' {{region}}')), ErrorCode.ADAPTER_FAILED, /unknown placeholder\(s\) \{\{region\}\}/);
    await rejectsWith(provider.measure({ query: '   ', args: {}, fromMs: 0, toMs: 1 }), ErrorCode.ADAPTER_FAILED, /empty/);
  });

  test('a slow command is killed at the timeout', async () => {
    const started = Date.now();
    await rejectsWith(provider.measure(node('setTimeout(() => console.log(1), 5000)')), ErrorCode.ADAPTER_FAILED, /timed out after 1000 ms; the process was killed/);
    assert.ok(Date.now() - started < 3000);
  });

  test('output over the limit is refused', async () => {
    await rejectsWith(provider.measure(node('process.stdout.write("1\\n".repeat(5000))')), ErrorCode.ADAPTER_FAILED, /over the 4096-byte limit/);
  });

  test('a caller abort kills a running command', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await rejectsWith(provider.measure(node('setTimeout(() => console.log(1), 5000)'), controller.signal), ErrorCode.ADAPTER_FAILED, /aborted by the caller/);
    assert.ok(Date.now() - started < 900, 'stopped before the timeout');
  });

  test('a missing executable is UNREACHABLE; reachable() runs the probe', async () => {
    await rejectsWith(provider.measure({ query: 'sluice-no-such-tool {{service}}', args: { service: 'api' }, fromMs: 0, toMs: 1 }), ErrorCode.UNREACHABLE, /sluice-no-such-tool api: cannot start \(ENOENT/);
    assert.deepEqual(await provider.reachable(), { ok: true, detail: `probe ${NODE} -e 0 ran (exit 0)` });
    const failingProbe = await new CommandMetricProvider({ probe: [NODE, '-e', 'process.exit(2)'] }).reachable();
    assert.equal(failingProbe.ok, false);
    assert.match(failingProbe.detail, /exited with code 2/);
    assert.throws(() => new CommandMetricProvider({ probe: [] }), /probe must name an executable/);
  });

  test('formatArgv quotes only elements that need it', () => {
    assert.equal(formatArgv(['prom-query', '--window=60s', 'a b', '']), 'prom-query --window=60s "a b" ""');
  });
});
