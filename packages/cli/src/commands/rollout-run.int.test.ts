import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Spawns the built CLI (packages/cli/bin/sluice.js) for the server and the commands: run
// `npm run build` after changing the source. The helpers are those of
// packages/control-plane/src/e2e/testing/sluice-process.ts, cut down (a package may not import another's files).
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const BIN = join(repoRoot, 'packages/cli/bin/sluice.js');

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface ServerProcess {
  readonly url: string;
  stop(): Promise<void>;
}

/** `sluice server` on a free port over `dataDir`, once it prints its URL. */
function startServer(dataDir: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
    cwd: repoRoot, env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const url = /listening on (http:\/\/[\d.]+:\d+)/.exec(output)?.[1];
      if (url) resolve({ url, stop: async () => { child.kill('SIGTERM'); await exited; } });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`sluice server exited early (${code}):\n${output}`)));
  });
}

async function writeSpec(dirPath: string, name: string, text: string): Promise<string> {
  const file = join(dirPath, name);
  await writeFile(file, text);
  return file;
}

async function getJson<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}

/** Polls `probe` every 50 ms until it answers, or fails after 20 s naming `what`. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Two demo-app versions as local processes, on a free port. */
function demoServiceYaml(): string {
  const version = (v: string) => `    ${v}: { run: { command: "node demo/app.js", env: { VERSION: ${v} }, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 2s } }`;
  return ['apiVersion: sluice.dev/v1', 'kind: Service', 'metadata: { name: shop }', 'spec:', '  listen: 127.0.0.1:0', '  versions:', version('v1'), version('v2'), '  stable: v1', ''].join('\n');
}

/** The CLI run to its end. */
async function sluice(args: readonly string[]): Promise<CliResult> {
  return startCli(args).done;
}

let server: ServerProcess;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-rollout-run-'));
  server = await startServer(dir);
});
after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

function rollout(name: string, target: string, steps: readonly string[]): string {
  return `---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  service: shop
  target: ${target}
  strategy: { canary: { steps: [${steps.join(', ')}] } }
`;
}

interface RunningCli {
  readonly child: ChildProcess;
  out(): string;
  err(): string;
  readonly done: Promise<CliResult>;
}

/** The built CLI as a child whose output can be read while it runs (for Ctrl-C and actions mid-run). */
function startCli(args: readonly string[]): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: repoRoot, env: { ...process.env, SLUICE_URL: server.url, USER: 'e2e' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return { child, out: () => stdout, err: () => stderr, done };
}

async function phaseOf(name: string): Promise<string> {
  return (await getJson<{ status: { phase: string } }>(`${server.url}/api/v1/rollouts/${name}`)).status.phase;
}

describe('sluice rollout run', () => {
  test('a file without a Rollout is a usage error (exit 2) and applies nothing', async () => {
    const file = await writeSpec(dir, 'service-only.yaml', demoServiceYaml());
    const { code, stdout, stderr } = await sluice(['rollout', 'run', '-f', file, '--wait']);
    assert.equal(code, 2, stderr);
    assert.equal(stdout, '');
    assert.match(stderr, /service-only\.yaml: expected exactly one Rollout, found none \(they hold service\/shop\): add a Rollout/);
    const res = await fetch(`${server.url}/api/v1/services/shop`);
    assert.equal(res.status, 404, 'the dry run came first: nothing was applied');
  });

  test('--timeout without --wait, and a bad duration, are usage errors', async () => {
    const file = await writeSpec(dir, 'any.yaml', demoServiceYaml());
    const noWait = await sluice(['rollout', 'run', '-f', file, '--timeout', '5m']);
    assert.equal(noWait.code, 2);
    assert.match(noWait.stderr, /--timeout applies only with --wait/);
    const bad = await sluice(['rollout', 'run', '-f', file, '--wait', '--timeout', '30']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"30" is not a duration: expected a number with a unit, like 90s, 30m or 2h/);
  });

  test('a canary with short timed pauses succeeds: exit 0, one progress line per event', async () => {
    const file = await writeSpec(dir, 'release.yaml', demoServiceYaml() + rollout('shop-v2', 'v2', ['setWeight: 20', 'pause: { duration: 1s }', 'setWeight: 60', 'pause: { duration: 1s }']));
    const { code, stdout, stderr } = await sluice(['rollout', 'run', '-f', file, '--wait', '--timeout', '2m']);
    assert.equal(code, 0, stderr);
    const lines = stdout.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 2), ['service/shop created', 'rollout/shop-v2 created']);
    assert.match(stdout, /^\d\d:\d\d:\d\d \[step 1\/4 0%\] phase Pending → Progressing: Started rolling out v2$/m);
    assert.match(stdout, /^\d\d:\d\d:\d\d \[step 1\/4 20%\] weight 0% → 20%$/m);
    assert.match(stdout, /^\d\d:\d\d:\d\d \[step 2\/4 20%\] phase Progressing → Paused: Paused at step 2 for 1s$/m);
    assert.match(stdout, /^\d\d:\d\d:\d\d \[step 3\/4 60%\] weight 20% → 60%$/m);
    assert.match(stdout, /phase Promoting → Succeeded/);
    assert.match(lines.at(-1) ?? '', /^rollout\/shop-v2 succeeded in \d+s: v2 is stable \(4\/4 steps done\)$/);
    assert.doesNotMatch(stdout, /waiting for a person/, 'timed pauses wait for nobody');
    assert.equal(await phaseOf('shop-v2'), 'Succeeded');
  });

  test('--timeout passing first exits 3, says what the rollout waits for once, and leaves it running', async () => {
    const file = await writeSpec(dir, 'back.yaml', rollout('shop-back', 'v1', ['setWeight: 10', 'pause: {}']));
    const { code, stdout, stderr } = await sluice(['rollout', 'run', '-f', file, '--wait', '--timeout', '3s']);
    assert.equal(code, 3, stderr);
    const waits = stdout.split('\n').filter((l) => l.includes('waiting for a person'));
    assert.equal(waits.length, 1, stdout);
    assert.match(waits[0] ?? '', /\[step 2\/2 10%\] waiting for a person: paused at step 2 until promoted: `sluice promote shop-back` goes on, `sluice abort shop-back` rolls back$/);
    assert.match(stderr, /^error: rollout\/shop-back did not end within 3s; the rollout keeps running \(Paused at step 2\/2, 10% on v1\): follow it with `sluice status shop-back --watch`, abort it with `sluice abort shop-back`$/m);
    assert.equal(await phaseOf('shop-back'), 'Paused');
  });

  test('Ctrl-C stops following with exit 130 and leaves the rollout running', async () => {
    const file = `${dir}/back.yaml`;
    const cli = startCli(['rollout', 'run', '-f', file, '--wait']);
    await waitFor('the wait line', async () => (cli.out().includes('waiting for a person') ? true : undefined));
    cli.child.kill('SIGINT');
    const { code, stdout, stderr } = await cli.done;
    assert.equal(code, 130, stderr);
    assert.match(stdout, /^rollout\/shop-back unchanged$/m);
    assert.match(stderr, /^interrupted: stopped following rollout\/shop-back; the rollout keeps running \(Paused at step 2\/2, 10% on v1\)/m);
    assert.equal(await phaseOf('shop-back'), 'Paused');
  });

  test('a rollout aborted while the CLI waits exits 1 with the reason; -o json prints one object on stdout', async () => {
    const cli = startCli(['rollout', 'run', '-f', `${dir}/back.yaml`, '--wait', '-o', 'json']);
    await waitFor('the wait line on stderr', async () => (cli.err().includes('waiting for a person') ? true : undefined));
    const res = await fetch(`${server.url}/api/v1/rollouts/shop-back/abort`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-sluice-actor': 'tester' }, body: JSON.stringify({ reason: 'smoke test failed' }),
    });
    assert.equal(res.status, 200);
    const { code, stdout, stderr } = await cli.done;
    assert.equal(code, 1, stderr);
    const report = JSON.parse(stdout) as Record<string, unknown> & { events: { type: string; to?: string; seq: number }[] };
    assert.deepEqual(Object.keys(report).sort(), ['durationMs', 'events', 'outcome', 'phase', 'reason', 'rollout', 'service', 'stepsDone', 'steps'].sort());
    assert.equal(report['rollout'], 'shop-back');
    assert.equal(report['service'], 'shop');
    assert.equal(report['phase'], 'Aborted');
    assert.equal(report['outcome'], 'rolled-back');
    assert.equal(report['steps'], 2);
    assert.equal(report['stepsDone'], 1);
    assert.equal(typeof report['durationMs'], 'number');
    assert.match(String(report['reason']), /smoke test failed.*\(by tester\)/);
    assert.ok(report.events.some((e) => e.type === 'PhaseChanged' && e.to === 'Aborted'), JSON.stringify(report.events));
    const seqs = report.events.map((e) => e.seq);
    assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'each event once, in order');
    assert.match(stderr, /^rollout\/shop-back unchanged$/m);
    assert.match(stderr, /^error: rollout\/shop-back ended Aborted after \d+m?s, all traffic back on v2 \(1\/2 steps done\): .*smoke test failed/m);
  });

  test('without --wait it applies and prints the rollout name only', async () => {
    const file = await writeSpec(dir, 'quick.yaml', rollout('shop-quick', 'v1', ['setWeight: 10', 'pause: {}']));
    const { code, stdout, stderr } = await sluice(['rollout', 'run', '-f', file]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'shop-quick\n');
    assert.match(stderr, /^rollout\/shop-quick created$/m);
  });
});
