import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const moduleUrl = new URL('./failpoint.ts', import.meta.url).href;
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

/** A child that passes failpoints "a" and "b", printing after each, then exits 0. */
const CHILD = `
import { failpoint } from ${JSON.stringify(moduleUrl)};
failpoint('a');
process.stdout.write('passed a\\n');
failpoint('b');
process.stdout.write('passed b\\n');
`;

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runChild(failpoints: string | undefined): Promise<Exit> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SLUICE_FAILPOINTS;
  if (failpoints !== undefined) env.SLUICE_FAILPOINTS = failpoints;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

test('without SLUICE_FAILPOINTS every failpoint is passed', async () => {
  const exit = await runChild(undefined);
  assert.equal(exit.signal, null, exit.stderr);
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(exit.stdout, 'passed a\npassed b\n');
  assert.doesNotMatch(exit.stderr, /failpoint/);
});

test('a named failpoint kills the process with SIGKILL there, and not at another name', async () => {
  const exit = await runChild('b');
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(exit.stdout, 'passed a\n', 'failpoint "a" is not named: passed; "b" is: killed before the next line');
  assert.match(exit.stderr, /^failpoint b: SIGKILL$/m);
  assert.doesNotMatch(exit.stderr, /failpoint a/);
});

test('the variable is a comma-separated list; the first named failpoint reached kills', async () => {
  const exit = await runChild(' x , a,b');
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(exit.stdout, '');
  assert.match(exit.stderr, /^failpoint a: SIGKILL$/m);
});

test('a name not in the list (nor a prefix of one) never fires', async () => {
  const exit = await runChild('c,a.b,bb');
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(exit.stdout, 'passed a\npassed b\n');
});
