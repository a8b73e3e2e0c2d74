import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../..', import.meta.url));

export interface SourceServer {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** The API's base URL once it prints "listening on …"; rejects if it exits first. */
  readonly url: Promise<string>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Its stdout and stderr so far. */
  output(): string;
}

/**
 * `sluice server ARGS` from source (tsx) in a child process, run from the repository's root with only
 * PATH and `env` in its environment; it runs until it gets a signal.
 */
export function startSourceServer(args: readonly string[], env: Record<string, string> = {}): SourceServer {
  const script = `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(['node', 'sluice', ...process.argv.slice(1)]);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=sluice-source', '--input-type=module', '-e', script, 'server', ...args], {
    cwd: REPO,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const found = /listening on (http:\/\/\S+)/.exec(output);
      if (found?.[1]) resolve(found[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  // A server that exits before listening (bad options) is awaited through `exited` instead.
  url.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exited, output: () => output };
}
