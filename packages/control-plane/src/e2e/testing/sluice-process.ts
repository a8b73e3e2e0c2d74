import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file (packages/control-plane/src/e2e/testing). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const bin = join(repoRoot, 'packages/cli/bin/sluice.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `sluice` CLI against `url`, as a user would. */
export function sluice(url: string, args: readonly string[], stdin?: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, SLUICE_URL: url, USER: 'e2e', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGKILL, no cleanup: the demo processes it started are left behind like after a real crash. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** Resolves when the process has exited (for any reason). */
  exited: Promise<void>;
}

/** Starts `sluice server` on port 0 over `dataDir` and resolves once it prints its URL. */
export function startServer(dataDir: string, options: { args?: readonly string[]; env?: Record<string, string> } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [bin, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...(options.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolvePromise, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (m?.[1]) {
        const url = m[1];
        resolvePromise({
          url,
          child,
          output: () => output,
          kill9: async () => { child.kill('SIGKILL'); await exited; },
          stop: async () => { child.kill('SIGTERM'); await exited; },
          exited,
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`sluice server exited early (${code ?? signal}):\n${output}`)));
  });
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function writeSpec(dir: string, name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

export async function getJson<T = any>(url: string): Promise<T> {
  const res = await fetch(url);
  return (await res.json()) as T;
}

/** Polls `probe` every 50 ms until it returns a value, or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A Service with two demo-app versions run as local processes, listening on a free port. */
export function demoServiceYaml(replicas = 1): string {
  return `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  stickiness: { header: x-user-id, cookie: sluice-shop }
  versions:
    v1: { run: { command: "node demo/app.js", env: { VERSION: v1 }, replicas: ${replicas}, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 2s } }
    v2: { run: { command: "node demo/app.js", env: { VERSION: v2 }, replicas: ${replicas}, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 2s } }
  stable: v1
`;
}

/** A Rollout of shop to v2 with the given steps (YAML lines such as "setWeight: 10", "pause: {}"). */
export function rolloutYaml(steps: readonly string[]): string {
  return `---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    canary:
      steps:
${steps.map((s) => `        - ${s}`).join('\n')}
`;
}
