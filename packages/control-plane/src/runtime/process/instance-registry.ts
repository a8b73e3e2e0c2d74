import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What is remembered about a live process so a later control plane can find and stop it. */
export interface InstanceRecord {
  readonly service: string;
  readonly version: string;
  readonly instance: string;
  /** Pid of the `/bin/sh -c` leader; also the process group id (spawned detached). */
  readonly pid: number;
  readonly pgid: number;
  /** The command as given in the spec: the leader's cmdline is `/bin/sh -c <command>`. */
  readonly command: string;
  /** Random value passed as SLUICE_INSTANCE_TOKEN: proves a process is ours even after `exec`. */
  readonly token: string;
  readonly specHash: string;
  readonly port: number;
  /** Milliseconds since the epoch, from the runtime's clock. */
  readonly startedAt: number;
  readonly gracePeriodMs: number;
}

interface StateFile {
  readonly format: 1;
  readonly instances: readonly InstanceRecord[];
}

export const STATE_FILE = 'instances.json';

/**
 * The runtime's `<stateDir>/instances.json`. Every change rewrites the whole file synchronously via
 * a temp file and rename, so a `kill -9` at any moment leaves either the old or the new list, and a
 * process is on disk before `ensure()` returns.
 */
export class InstanceRegistry {
  readonly #dir: string;
  readonly #log: (line: string) => void;
  readonly #records = new Map<string, InstanceRecord>();
  #warned = false;

  constructor(stateDir: string, log: (line: string) => void) {
    this.#dir = stateDir;
    this.#log = log;
  }

  get path(): string {
    return join(this.#dir, STATE_FILE);
  }

  /** Records left by an earlier run. A missing file is empty; a corrupt one is reported and ignored. */
  load(): InstanceRecord[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#log(`[runtime] cannot read ${this.path}: ${String(error)}`);
      return [];
    }
    try {
      const parsed = JSON.parse(text) as Partial<StateFile>;
      return Array.isArray(parsed.instances) ? parsed.instances.filter(isRecord) : [];
    } catch (error) {
      this.#log(`[runtime] ignoring ${this.path}: not valid JSON (${String(error)})`);
      return [];
    }
  }

  /** Adds or replaces a record (keyed by pgid) and saves. */
  put(record: InstanceRecord): void {
    this.#records.set(String(record.pgid), record);
    this.#save();
  }

  /** Drops the record of a process group and saves. No-op when unknown. */
  remove(pgid: number): void {
    if (this.#records.delete(String(pgid))) this.#save();
  }

  list(): InstanceRecord[] {
    return [...this.#records.values()];
  }

  #save(): void {
    const body: StateFile = { format: 1, instances: this.list() };
    const temp = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(this.#dir, { recursive: true });
      writeFileSync(temp, `${JSON.stringify(body, null, 2)}\n`);
      renameSync(temp, this.path);
      this.#warned = false;
    } catch (error) {
      // Losing the file only weakens orphan cleanup after a crash; keep running, but say so once.
      if (!this.#warned) this.#log(`[runtime] cannot write ${this.path}: ${String(error)}`);
      this.#warned = true;
    }
  }
}

function isRecord(value: unknown): value is InstanceRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    Number.isInteger(r['pid']) &&
    Number.isInteger(r['pgid']) &&
    (r['pgid'] as number) > 1 &&
    typeof r['command'] === 'string' &&
    typeof r['token'] === 'string'
  );
}
