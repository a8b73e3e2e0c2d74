import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import type { PublishedRoute } from '@sluice/domain';

/** The last table a data plane applied, as kept on disk so a restart serves before any control plane answers. */
export interface SavedTable {
  readonly generation: number;
  readonly routes: readonly PublishedRoute[];
}

const VERSION = 1;

/** Reads a saved table; undefined when the file does not exist. Throws with the file's name when it is not one. */
export async function loadTable(path: string): Promise<SavedTable | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as { version?: unknown; generation?: unknown; routes?: unknown };
  if (parsed.version !== VERSION || typeof parsed.generation !== 'number' || !Array.isArray(parsed.routes)) {
    throw new Error(`${path}: not a saved route table (expected {"version":${VERSION},"generation":N,"routes":[…]})`);
  }
  return { generation: parsed.generation, routes: parsed.routes as PublishedRoute[] };
}

/** Writes the table atomically (a temporary file beside it, then a rename): a crash leaves the old or the new one, never half. */
export async function saveTable(path: string, table: SavedTable): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify({ version: VERSION, generation: table.generation, routes: table.routes })}\n`, { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/**
 * Saves the newest table, one write at a time: a save asked for while one runs writes once more when
 * it ends (with whatever is newest then), so a burst of changes costs two writes, not one per change.
 */
export class TableSaver {
  readonly #path: string;
  readonly #read: () => SavedTable;
  readonly #onError: (error: Error) => void;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(path: string, read: () => SavedTable, onError: (error: Error) => void) {
    this.#path = path;
    this.#read = read;
    this.#onError = onError;
  }

  /** Schedules a save; the promise resolves when the saves running or due have ended. */
  save(): Promise<void> {
    this.#again = true;
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined;
      if (this.#again) void this.save();
    });
    return this.#running;
  }

  async #loop(): Promise<void> {
    while (this.#again) {
      this.#again = false;
      await saveTable(this.#path, this.#read()).catch((error: Error) => this.#onError(error));
    }
  }
}
