// Starts the control-plane child pinned to one core and collects its RESULT line.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildResult, ChildSettings } from './protocol.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** `taskset -c 0` when the machine has taskset; undefined (and the output says so) when not. */
export function pinning(): string | undefined {
  const probe = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  return probe.status === 0 ? 'taskset -c 0' : undefined;
}

export interface ChildRun {
  readonly result: ChildResult;
  readonly pid: number;
}

/** Runs the child to completion; rejects with its stderr when it fails. `cpuProfDir` adds node --cpu-prof. */
export function runChild(settings: ChildSettings, options: { pinned: boolean; cpuProfDir?: string | undefined; onReady?: () => void }): Promise<ChildRun> {
  const nodeArgs = ['--import', 'tsx', '--conditions=sluice-source'];
  if (options.cpuProfDir !== undefined) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  const args = [...nodeArgs, join(here, 'control-plane-child.ts'), JSON.stringify(settings)];
  const [command, argv] = options.pinned ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(command, argv as string[], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  activeChildren.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  let onReady = options.onReady;
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      for (const line of text.split('\n')) if (line.startsWith('PROGRESS ')) console.log(`    ${line.slice('PROGRESS '.length)}`);
      stdout += text;
      if (stdout.includes('READY\n') && onReady !== undefined) {
        onReady();
        onReady = undefined;
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      activeChildren.delete(child);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line !== undefined) resolve({ result: JSON.parse(line.slice('RESULT '.length)) as ChildResult, pid: child.pid ?? 0 });
      else reject(new Error(`the control-plane child exited with ${code ?? signal}:\n${stderr}`));
    });
  });
}

const activeChildren = new Set<ReturnType<typeof spawn>>();

/** Stops children still running (Ctrl-C, errors). */
export function killChildren(): void {
  for (const child of activeChildren) child.kill('SIGTERM');
}
