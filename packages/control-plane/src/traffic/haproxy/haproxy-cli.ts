import { connect } from 'node:net';
import { ErrorCode, SluiceError } from '@sluice/domain';

/**
 * One command on a HAProxy CLI socket (the worker's stats socket or the master socket), in
 * non-interactive mode: HAProxy answers and closes the connection.
 */
export function cliCommand(path: string, command: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SluiceError(ErrorCode.ADAPTER_FAILED, `HAProxy CLI ${path}: no answer to "${command}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(new SluiceError(ErrorCode.ADAPTER_FAILED, `HAProxy CLI ${path}: ${error.message}`, { cause: error }));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** The processes the master reports (`show proc`): current workers and old ones still finishing. */
export interface ProcessList {
  readonly master: number;
  readonly reloads: number;
  readonly failedReloads: number;
  readonly workers: readonly number[];
  readonly oldWorkers: readonly number[];
}

/** Parses the master's `show proc` answer. */
export function parseShowProc(text: string): ProcessList {
  let section: 'master' | 'workers' | 'old' | 'other' = 'master';
  let master = 0;
  let reloads = 0;
  let failedReloads = 0;
  const workers: number[] = [];
  const oldWorkers: number[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# workers')) section = 'workers';
    else if (line.startsWith('# old workers')) section = 'old';
    else if (line.startsWith('# ')) section = 'other';
    const match = /^(\d+)\s+(\w+)\s+(\d+)(?:\s+\[failed: (\d+)\])?/.exec(line);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (match[2] === 'master') {
      master = pid;
      reloads = Number(match[3]);
      failedReloads = Number(match[4] ?? 0);
    } else if (section === 'workers') workers.push(pid);
    else if (section === 'old') oldWorkers.push(pid);
  }
  return { master, reloads, failedReloads, workers, oldWorkers };
}

/** One row of `show stat` (CSV with a `# pxname,svname,…` header). */
export type StatRow = Readonly<Record<string, string>>;

/** Parses `show stat` CSV into rows keyed by column name. */
export function parseShowStat(text: string): StatRow[] {
  const lines = text.split('\n').filter((line) => line.length > 0);
  const header = lines[0]?.replace(/^# /, '').split(',') ?? [];
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(header.map((name, i) => [name, cells[i] ?? '']));
  });
}

/** `Key: value` lines of `show info` as a record. */
export function parseShowInfo(text: string): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf(': ');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 2);
  }
  return out;
}

/** Entries of `show map <file>`: key → value. */
export function parseShowMap(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^0x[0-9a-f]+ (\S+) (.*)$/.exec(line);
    if (match !== null && match[1] !== undefined && match[2] !== undefined) out.set(match[1], match[2]);
  }
  return out;
}
