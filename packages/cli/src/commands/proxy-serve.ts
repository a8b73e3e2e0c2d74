import { hostname } from 'node:os';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { Command } from 'commander';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { nextStopSignal } from './server.js';

const AGENT_MODULE = '@sluice/control-plane/data-plane-agent';

/** The part of @sluice/control-plane/data-plane-agent this command uses (typed here; the import is lazy). */
interface AgentModule {
  DataPlaneAgent: new (options: {
    readonly id: string;
    readonly controlPlanes: readonly string[];
    readonly token?: string | undefined;
    readonly stateFile?: string | undefined;
    readonly listen?: ReadonlyMap<string, string>;
    readonly log?: Logger;
  }) => RunningAgent;
  parseControlPlaneUrls(text: string): string[];
  createLineLogger(write: (line: string) => void): Logger;
}

interface Logger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

interface RunningAgent {
  start(): Promise<void>;
  close(): Promise<void>;
  readonly generation: number;
}

interface ServeOptions {
  readonly controlPlane?: string;
  readonly id?: string;
  readonly stateFile?: string;
  readonly listen: string[];
}

function usage(option: string, message: string, found: string, expected: string): SluiceError {
  return new SluiceError(ErrorCode.INVALID_REQUEST, `${option}: ${message}`, { problems: [{ path: option, message, found, expected }] });
}

/** `--listen SERVICE=HOST:PORT`, repeatable: per service, the address to serve on instead of the published one. */
export function parseListenOverrides(entries: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of entries) {
    const m = /^([^=\s]+)=(\S+:\d{1,5})$/.exec(entry);
    if (m === null || m[1] === undefined || m[2] === undefined) throw usage('--listen', `"${entry}" is not SERVICE=HOST:PORT`, entry, 'SERVICE=HOST:PORT, e.g. shop=0.0.0.0:8080');
    if (out.has(m[1])) throw usage('--listen', `service "${m[1]}" is given twice`, entry, 'one --listen per service');
    out.set(m[1], m[2]);
  }
  return out;
}

/** `--id`: 1–100 printable characters, default HOSTNAME-PID. */
export function dataPlaneId(text: string | undefined): string {
  const id = text ?? `${hostname()}-${process.pid}`.slice(0, 100);
  if (!/^[\x21-\x7e](?:[\x20-\x7e]{0,98}[\x21-\x7e])?$/.test(id)) throw usage('--id', `"${id.slice(0, 120)}" is not a data-plane name`, id.slice(0, 120), '1 to 100 printable characters');
  return id;
}

export function registerProxyServe(proxy: Command, ctx: CommandContext): void {
  proxy
    .command('serve')
    .description('run a remote data plane: the built-in proxy serving the route tables control planes publish, and the last one when none answers')
    .option('--control-plane <url,...>', 'control-plane URLs, tried in turn (env SLUICE_CONTROL_PLANE); SLUICE_TOKEN, if set, is sent as a bearer token')
    .option('--id <name>', 'name of this data plane in reports (default HOSTNAME-PID)')
    .option('--state-file <path>', 'keeps the last applied table here and serves it at start, before any control plane answers')
    .option('--listen <service=host:port>', 'serve SERVICE on HOST:PORT instead of its published address, repeatable', (v: string, p: string[]) => [...p, v], [])
    .action(async (options: ServeOptions) => {
      await serve(ctx, options);
    });
}

async function serve(ctx: CommandContext, options: ServeOptions): Promise<void> {
  const { env } = ctx.io;
  const urlsText = options.controlPlane ?? env['SLUICE_CONTROL_PLANE'] ?? '';
  const id = dataPlaneId(options.id);
  const listen = parseListenOverrides(options.listen);
  // Loaded only here, and only the agent: a data-plane host never loads the store or the controller.
  const agentModule = (await import(AGENT_MODULE)) as AgentModule;
  let controlPlanes: string[];
  try {
    controlPlanes = agentModule.parseControlPlaneUrls(urlsText);
  } catch (error) {
    throw usage('--control-plane', (error as Error).message.replace(/^--control-plane: /, ''), urlsText.slice(0, 200), 'URL[,URL…], e.g. http://10.0.0.5:7070');
  }
  const log = agentModule.createLineLogger((line) => writeLine(ctx.io.stderr, line));
  const token = env['SLUICE_TOKEN'];
  const agent = new agentModule.DataPlaneAgent({ id, controlPlanes, listen, log, ...(token ? { token } : {}), ...(options.stateFile ? { stateFile: options.stateFile } : {}) });
  await agent.start();
  writeLine(ctx.io.stdout, `Sluice data plane ${id} following ${controlPlanes.join(', ')}`);
  const signal = await nextStopSignal(ctx.io);
  writeLine(ctx.io.stderr, `${signal} received: draining the data plane (generation ${agent.generation})`);
  await agent.close();
}
