import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { planColumnChange } from '@sluice/domain';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../store/testing/postgres-test-db.js';
import { runBackfill, runDdl } from './run-ddl.js';
import { columnsOf, schemaOf, syncObjects } from './testing/schema-probes.js';

/**
 * One version of the application, writing and reading `orders` continuously through its own column:
 * the old version knows `customer`, the new one `client`. Each inserts rows, updates them, and reads
 * back both its own rows and the other version's (which it must see under its own column name).
 */
class App {
  readonly errors: string[] = [];
  /** Row id → the value this app last wrote. */
  readonly written = new Map<number, string>();
  /**
   * Row id → every value this app wrote or is writing, in order. A reader of another version's row must
   * see the value of that version's last completed write or a later one: never an older one.
   */
  readonly history = new Map<number, string[]>();
  ops = 0;
  #stop = false;
  #loop: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly column: 'customer' | 'client',
    readonly pool: pg.Pool,
    readonly others: () => { readonly history: ReadonlyMap<number, readonly string[]>; readonly written: ReadonlyMap<number, string> } | undefined,
  ) {}

  #wrote(id: number, value: string): void {
    this.written.set(id, value);
    const seen = this.history.get(id) ?? [];
    if (seen.at(-1) !== value) seen.push(value);
    this.history.set(id, seen);
  }

  start(): void {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    let n = 0;
    while (!this.#stop) {
      try {
        await this.#step(n++);
      } catch (error) {
        this.errors.push(`${this.name}: ${(error as Error).message}`);
      }
      this.ops++;
    }
  }

  async #step(n: number): Promise<void> {
    const col = this.column;
    const value = `${this.name}-${n}`;
    if (n % 3 === 0 || this.written.size === 0) {
      const { rows } = await this.pool.query(`INSERT INTO orders (${col}, amount) VALUES ($1, $2) RETURNING id`, [value, n]);
      this.#wrote(Number(rows[0].id), value);
      return;
    }
    const ids = [...this.written.keys()];
    const id = ids[n % ids.length] as number;
    if (n % 3 === 1) {
      this.history.get(id)?.push(value);
      await this.pool.query(`UPDATE orders SET ${col} = $1 WHERE id = $2`, [value, id]);
      this.#wrote(id, value);
      return;
    }
    // Read one of ours and one of the other version's, through our own column.
    const mine = await this.pool.query(`SELECT ${col} AS v FROM orders WHERE id = $1`, [id]);
    if (mine.rows[0]?.v !== this.written.get(id)) this.errors.push(`${this.name} read ${String(mine.rows[0]?.v)} for its order ${id}, expected ${this.written.get(id)}`);
    const other = this.others();
    const theirs = other === undefined ? [] : [...other.written.keys()];
    const rowId = theirs[n % Math.max(1, theirs.length)];
    if (other === undefined || rowId === undefined) return;
    const values = other.history.get(rowId) ?? [];
    const floor = values.indexOf(other.written.get(rowId) ?? '');
    const { rows } = await this.pool.query(`SELECT ${col} AS v FROM orders WHERE id = $1`, [rowId]);
    const at = values.indexOf(rows[0]?.v);
    if (at < floor) this.errors.push(`${this.name} read ${String(rows[0]?.v)} for order ${rowId}, older than the other version's last write ${other.written.get(rowId)}`);
  }
}

async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RENAME = planColumnChange({ table: 'orders', from: 'customer', to: 'client', type: 'text' });

describe('a column rename as expand → dual write → backfill → contract on real PostgreSQL', () => {
  let db: TestDatabase | undefined;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase();
    if (!db) return;
    pool = new pg.Pool({ connectionString: db.url, max: 8 });
    await pool.query(`CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer text NOT NULL, amount int NOT NULL)`);
    await pool.query(`INSERT INTO orders (customer, amount) SELECT 'seed-' || g, g FROM generate_series(1, 5000) g`);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  test('the old and the new version both read and write all along, with 0 errors and every row consistent', async (t) => {
    if (!db) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    let newApp: App | undefined;
    const oldApp = new App('v1', 'customer', pool, () => newApp);
    newApp = new App('v2', 'client', pool, () => oldApp);
    oldApp.start();
    await pause(300);
    // Expand under a short lock_timeout: the old version keeps writing through it.
    await withClient(pool, (c) => runDdl(c, RENAME.expand, { lockTimeoutMs: 500 }));
    // Backfill while the old version writes (the trigger fills the new column of every row it writes),
    // then the new version gets traffic: it never reads a row not yet copied.
    const progress: number[] = [];
    const backfilled = await runBackfill(pool, RENAME.backfillBatch, { batchSize: 500, pauseMs: 10, onBatch: (_rows, total) => progress.push(total) });
    newApp.start();
    assert.equal(backfilled.done, true);
    assert.ok(backfilled.rows >= 5000, `the 5,000 seed rows were copied (${backfilled.rows})`);
    assert.equal(Number((await pool.query(RENAME.remaining)).rows[0].n), 0);
    assert.ok(progress.length >= 10, `throttled in batches of 500: ${progress.join(', ')}`);
    await pause(1000); // both versions run on the expanded, backfilled schema
    await oldApp.stop(); // promotion: the old version is drained
    await withClient(pool, (c) => runDdl(c, RENAME.contract, { lockTimeoutMs: 500 }));
    await pause(300);
    await newApp.stop();
    assert.deepEqual([...oldApp.errors, ...newApp.errors], [], 'no errors in either version');
    assert.ok(oldApp.ops > 20 && newApp.ops > 20, `both versions worked all along (${oldApp.ops}, ${newApp.ops} operations)`);
    assert.deepEqual(await columnsOf(pool), ['id', 'amount', 'client']);
    // Every row has the value its last writer gave it, whichever version and column wrote it.
    const { rows } = await pool.query(`SELECT id, client FROM orders`);
    const byId = new Map(rows.map((r: { id: string; client: string }) => [Number(r.id), r.client] as const));
    for (const [id, value] of [...oldApp.written, ...newApp.written]) assert.equal(byId.get(id), value, `order ${id}`);
    assert.equal(rows.filter((r: { client: string | null }) => r.client === null).length, 0);
    assert.equal(byId.get(1), 'seed-1');
    assert.equal(await syncObjects(pool), 0, 'contract removed the trigger and its function');
  });
});

describe('an abort after expand', () => {
  test('down leaves the schema exactly as before', async (t) => {
    const db = await createTestDatabase();
    if (!db) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      await pool.query(`CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer text NOT NULL, amount int NOT NULL)`);
      await pool.query(`INSERT INTO orders (customer, amount) VALUES ('a', 1), ('b', 2)`);
      const before = await schemaOf(pool);
      const client = await pool.connect();
      try {
        await runDdl(client, RENAME.expand);
        await client.query(`INSERT INTO orders (client, amount) VALUES ('c', 3)`);
        assert.equal((await client.query(`SELECT customer FROM orders WHERE amount = 3`)).rows[0].customer, 'c', 'dual write while expanded');
        await runDdl(client, RENAME.down);
      } finally {
        client.release();
      }
      assert.deepEqual(await schemaOf(pool), before);
      assert.equal(await syncObjects(pool), 0);
      assert.deepEqual((await pool.query(`SELECT customer FROM orders ORDER BY id`)).rows.map((r: { customer: string }) => r.customer), ['a', 'b', 'c']);
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});
