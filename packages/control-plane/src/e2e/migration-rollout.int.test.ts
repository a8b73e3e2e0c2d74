import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startControlPlane, type RunningControlPlane } from '../control-plane.js';
import { createTestDatabase, type TestDatabase } from '../store/testing/postgres-test-db.js';
import { columnsOf, schemaOf, syncObjects } from '../migrations/testing/schema-probes.js';
import { tempDir, waitFor } from './testing/sluice-process.js';

/**
 * A release whose schema change rides its phases, on real PostgreSQL and real sockets: v1 of the
 * application knows orders.customer, v2 knows orders.client. Every request (through Sluice's proxy)
 * writes or reads through the version's own column; both versions' writes are tracked, and every read
 * must return the last value written, whichever version and column wrote it.
 */
class Shop {
  /** Row id → the last value written (seed rows included); requests run one at a time, so this is exact. */
  readonly written = new Map<number, string>();
  readonly errors: string[] = [];
  readonly served = { v1: 0, v2: 0 };
  readonly servers: Server[] = [];
  readonly ports: Record<'v1' | 'v2', number> = { v1: 0, v2: 0 };
  #n = 0;

  constructor(readonly pool: pg.Pool) {}

  async start(): Promise<void> {
    for (const [version, column] of [['v1', 'customer'], ['v2', 'client']] as const) {
      const server = createServer((req, res) => {
        const done = (status: number, body: string) => ((res.statusCode = status), res.end(body));
        if (req.url === '/compat') {
          // The stable version's own check: its queries work on the schema as it is now.
          this.pool.query(`SELECT ${column} FROM orders ORDER BY id LIMIT 1`).then(() => done(200, '{"ok":1}'), () => done(200, '{"ok":0}'));
          return;
        }
        this.#operate(version, column).then(() => done(200, version), (error: Error) => {
          this.errors.push(`${version}: ${error.message}`);
          done(500, error.message);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.ports[version] = (server.address() as { port: number }).port;
      this.servers.push(server);
    }
  }

  async #operate(version: 'v1' | 'v2', column: string): Promise<void> {
    this.served[version]++;
    const n = this.#n++;
    const value = `${version}-${n}`;
    const ids = [...this.written.keys()];
    if (n % 3 === 0 || ids.length === 0) {
      const { rows } = await this.pool.query(`INSERT INTO orders (${column}, amount) VALUES ($1, $2) RETURNING id`, [value, n]);
      this.written.set(Number(rows[0].id), value);
      return;
    }
    const id = ids[(n * 7919) % ids.length] as number;
    if (n % 3 === 1) {
      await this.pool.query(`UPDATE orders SET ${column} = $1 WHERE id = $2`, [value, id]);
      this.written.set(id, value);
      return;
    }
    const { rows } = await this.pool.query(`SELECT ${column} AS v FROM orders WHERE id = $1`, [id]);
    if (rows[0]?.v !== this.written.get(id)) throw new Error(`read ${String(rows[0]?.v)} for order ${id} through ${column}, expected ${this.written.get(id)}`);
  }

  close(): void {
    for (const s of this.servers) s.close();
  }
}

const SEED_ROWS = 3000;

async function freshOrders(pool: pg.Pool, shop: Shop): Promise<void> {
  await pool.query('CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer text NOT NULL, amount int NOT NULL)');
  await pool.query(`INSERT INTO orders (customer, amount) SELECT 'seed-' || g, g FROM generate_series(1, ${SEED_ROWS}) g`);
  for (let i = 1; i <= SEED_ROWS; i++) shop.written.set(i, `seed-${i}`);
}

const SERVICE = (shop: Shop) => `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: [ "http://127.0.0.1:${shop.ports.v1}" ] }
    v2: { upstreams: [ "http://127.0.0.1:${shop.ports.v2}" ] }
  stable: v1
---
apiVersion: sluice.dev/v1
kind: AnalysisTemplate
metadata: { name: v1-compat }
spec:
  metrics:
    - name: v1-queries
      interval: 1s
      count: 1
      provider: { web: { baseUrl: "http://127.0.0.1:${shop.ports.v1}", jsonPath: "$.ok" } }
      query: /compat
      judge: { threshold: { successCondition: "result == 1" } }
`;

const ROLLOUT = (name: string, env: string, backfill: string, steps: string) => `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  service: shop
  target: v2
  migration:
    database: { urlFromEnv: ${env} }
    lockTimeout: 500ms
    columnChange: { table: orders, from: customer, to: client, type: text }
    compatibility: { templates: [v1-compat] }
    backfill: ${backfill}
  strategy:
    canary:
      steps:
${steps}`;

async function api(base: string, path: string, init: { method?: string; body?: string } = {}): Promise<any> {
  const res = await fetch(`${base}/api/v1${path}`, { method: init.method ?? 'GET', headers: { 'content-type': path === '/apply' ? 'application/yaml' : 'application/json', 'x-sluice-actor': 'dba' }, ...(init.body ? { body: init.body } : {}) });
  return { http: res.status, ...((await res.json()) as Record<string, unknown>) };
}

/** A test database with env var `env` naming it, the two versions of the shop, and a control plane. */
interface Fixture {
  readonly db: TestDatabase;
  readonly pool: pg.Pool;
  readonly shop: Shop;
  readonly cp: RunningControlPlane;
  close(): Promise<void>;
}

async function startFixture(env: string, prefix: string): Promise<Fixture | undefined> {
  const db = await createTestDatabase();
  if (!db) return undefined;
  process.env[env] = db.url;
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  // Dropping the database ends its connections; an idle client's error then must not fail the run.
  pool.on('error', () => undefined);
  const shop = new Shop(pool);
  await shop.start();
  const dir = await tempDir(prefix);
  const cp = await startControlPlane({ dataDir: dir.path, listen: '127.0.0.1:0', log: () => {}, pollMs: 100 });
  const close = async () => {
    await cp.close();
    shop.close();
    await pool.end();
    await db.drop();
    await dir.remove();
    delete process.env[env];
  };
  return { db, pool, shop, cp, close };
}

/** Requests through the proxy, one at a time, until stopped. */
function load(url: string): { stop(): Promise<number> } {
  let stopped = false;
  let failures = 0;
  const loop = (async () => {
    while (!stopped) {
      const res = await fetch(url).catch(() => undefined);
      if (res === undefined || res.status !== 200) failures++;
      await res?.text();
    }
  })();
  return { stop: async () => ((stopped = true), await loop, failures) };
}

describe('a rollout with a column rename tied to its phases (real PostgreSQL)', () => {
  let f: Fixture | undefined;
  before(async () => {
    f = await startFixture(`SLUICE_E2E_SHOP_DB_${process.pid}`, 'sluice-migration-rollout-');
  });
  after(async () => {
    await f?.close();
  });

  test('expand → gate → backfill → canary → 100 % → drain → approval → contract, with 0 errors in either version', async (t) => {
    if (!f) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    const { pool, shop, cp } = f;
    const env = `SLUICE_E2E_SHOP_DB_${process.pid}`;
    await freshOrders(pool, shop);
    assert.equal((await api(cp.url, '/apply', { method: 'POST', body: SERVICE(shop) })).http, 200);
    const service = await waitFor('the proxy', async () => (await api(cp.url, '/services/shop')).traffic?.address as string | undefined);
    const traffic = load(`http://${service}/`);
    const steps = '        - setWeight: 20\n        - pause: { duration: 1s }\n        - setWeight: 100\n        - contract: { drain: 1s }\n';
    const applied = await api(cp.url, '/apply', { method: 'POST', body: ROLLOUT('rename', env, '{ batchSize: 200, pause: 5ms, before: traffic }', steps) });
    assert.equal(applied.http, 200, JSON.stringify(applied));
    const waiting = await waitFor('contract waiting for approval', async () => {
      const r = await api(cp.url, '/rollouts/rename');
      return /approval/.test(r.waitingFor ?? '') ? r : undefined;
    }, 30_000);
    assert.equal(waiting.status.migration.phase, 'backfilled');
    const backfill = waiting.status.migration.backfill;
    // Rows v1 wrote during the backfill were copied by the trigger, not by a batch.
    assert.ok(backfill.rows > SEED_ROWS / 2 && backfill.remaining === 0, `the seed rows copied: ${JSON.stringify(backfill)}`);
    assert.ok(backfill.batches >= Math.floor(backfill.rows / 200), 'in throttled batches of 200');
    assert.equal(Number((await pool.query('SELECT count(*) AS n FROM orders WHERE client IS NULL')).rows[0].n), 0, 'no row left without the new column');
    assert.deepEqual(await columnsOf(pool), ['id', 'customer', 'amount', 'client'], 'both columns until contract');
    assert.equal(waiting.status.pointOfNoReturn, undefined, 'not past the point of no return before approval');
    const history = (await api(cp.url, '/rollouts/rename/events?limit=200')).items ?? waiting.events;
    const order = history.filter((e: { type: string }) => e.type === 'MigrationChanged' || e.type === 'WeightChanged').map((e: { type: string; to: string }) => `${e.type}:${e.to}`);
    assert.ok(order.indexOf('MigrationChanged:expanded') < order.indexOf('WeightChanged:20'), `expand before any traffic: ${order.join(' ')}`);
    assert.ok(order.indexOf('MigrationChanged:backfilled') < order.indexOf('WeightChanged:20'), `backfill (before: traffic) done before traffic: ${order.join(' ')}`);
    const approved = await api(cp.url, '/rollouts/rename/approve', { method: 'POST', body: JSON.stringify({ comment: 'v1 drained' }) });
    assert.equal(approved.http, 200, JSON.stringify(approved));
    const done = await waitFor('the rollout to succeed', async () => {
      const r = await api(cp.url, '/rollouts/rename');
      return r.status.phase === 'Succeeded' ? r : undefined;
    }, 20_000);
    const failures = await traffic.stop();
    assert.equal(done.status.migration.phase, 'contracted');
    assert.match(done.status.pointOfNoReturn.reason, /schema contract \(contract approved by dba: v1 drained\)/);
    assert.deepEqual(await columnsOf(pool), ['id', 'amount', 'client']);
    assert.equal(await syncObjects(pool), 0, 'contract removed the trigger and its function');
    assert.deepEqual(shop.errors, [], 'no error in either version');
    assert.equal(failures, 0, 'no failed request through the proxy');
    assert.ok(shop.served.v1 > 30 && shop.served.v2 > 30, `both versions served (${shop.served.v1}, ${shop.served.v2})`);
    const { rows } = await pool.query('SELECT id, client FROM orders');
    const byId = new Map(rows.map((r: { id: string; client: string }) => [Number(r.id), r.client] as const));
    for (const [id, value] of shop.written) assert.equal(byId.get(id), value, `order ${id}`);
    assert.equal(byId.size, shop.written.size);
  });
});

describe('a migration rollout that aborts during the backfill, and one refused for unsafe SQL (real PostgreSQL)', () => {
  let f: Fixture | undefined;
  const env = `SLUICE_E2E_ABORT_DB_${process.pid}`;
  before(async () => {
    f = await startFixture(env, 'sluice-migration-abort-');
    if (!f) return;
    await freshOrders(f.pool, f.shop);
    await api(f.cp.url, '/apply', { method: 'POST', body: SERVICE(f.shop) });
  });
  after(async () => {
    await f?.close();
  });

  test('the backfill stops, down runs once no request reaches v2, and the schema is exactly as before', async (t) => {
    if (!f) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    const { pool, shop, cp } = f;
    const before = await schemaOf(pool);
    const address = await waitFor('the proxy', async () => (await api(cp.url, '/services/shop')).traffic?.address as string | undefined);
    const traffic = load(`http://${address}/`);
    const steps = '        - pause: {}\n        - setWeight: 100\n        - contract: {}\n';
    const applied = await api(cp.url, '/apply', { method: 'POST', body: ROLLOUT('slow-backfill', env, '{ batchSize: 20, pause: 30ms }', steps) });
    assert.equal(applied.http, 200, JSON.stringify(applied));
    // The backfill runs beside the steps: it goes on while the rollout waits at its pause (the pass that
    // enters the pause can come after the first batches on a loaded machine, so wait for both).
    const backfilling = await waitFor('the backfill under way while the rollout is paused', async () => {
      const r = await api(cp.url, '/rollouts/slow-backfill');
      return r.status.migration?.phase === 'backfilling' && r.status.migration.backfill.rows >= 100 && r.status.phase === 'Paused' ? r : undefined;
    });
    assert.equal(backfilling.status.phase, 'Paused', 'the backfill runs beside the steps (here: a pause)');
    assert.match(backfilling.status.message, /^Backfill \d+(\.\d)?% \([\d,]+ rows, [\d,]+ left\)(, ETA \S+)?$/);
    const aborted = await api(cp.url, '/rollouts/slow-backfill/abort', { method: 'POST', body: JSON.stringify({ reason: 'guard fired on the canary' }) });
    assert.equal(aborted.http, 200, JSON.stringify(aborted));
    const done = await waitFor('the rollback to finish', async () => {
      const r = await api(cp.url, '/rollouts/slow-backfill');
      return r.status.phase === 'Aborted' ? r : undefined;
    });
    assert.deepEqual(done.status.rollbackPlan.ops.map((o: { op: string }) => o.op), ['traffic', 'verify', 'migration']);
    assert.equal(done.status.migration.phase, 'reverted');
    const copied = done.status.migration.backfill.rows;
    assert.ok(copied < SEED_ROWS, `the backfill stopped with the abort (${copied} of ${SEED_ROWS} rows)`);
    assert.deepEqual(await schemaOf(pool), before, 'down left the schema exactly as before');
    assert.equal(await syncObjects(pool), 0, 'no trigger or function left');
    const failures = await traffic.stop();
    assert.deepEqual(shop.errors, [], 'v1 never failed');
    assert.equal(failures, 0, 'no failed request through the proxy');
    assert.ok(shop.served.v1 > 30, `v1 served all along (${shop.served.v1})`);
    assert.equal(shop.served.v2, 0, 'v2 never got a request');
  });

  test('an index built without CONCURRENTLY, or a drop in expand, is refused at apply with the findings, before anything runs', async (t) => {
    if (!f) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    const { pool, cp } = f;
    const unsafe = `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: unsafe-index }
spec:
  service: shop
  target: v2
  migration:
    database: { urlFromEnv: ${env} }
    expand: |
      ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;
      CREATE INDEX orders_note_idx ON orders (note);
      ALTER TABLE orders DROP COLUMN amount;
    down: |
      DROP INDEX IF EXISTS orders_note_idx;
  strategy:
    canary:
      steps:
        - setWeight: 50
`;
    const refused = await fetch(`${cp.url}/api/v1/apply`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: unsafe });
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as { error: { code: string; details: { problems: { line: number; col: number; message: string; expected: string }[] } } };
    assert.equal(body.error.code, 'UNSAFE_MIGRATION');
    const index = body.error.details.problems.find((p) => p.message.includes('require-concurrent-index-creation'));
    assert.ok(index, JSON.stringify(body.error.details.problems));
    assert.deepEqual([index.line, index.col], [11, 7], 'the CREATE INDEX line inside the YAML block');
    assert.match(index.expected, /CONCURRENTLY/);
    const drop = body.error.details.problems.find((p) => /breaks the stable version/.test(p.message));
    assert.ok(drop, 'a drop in expand breaks the stable version');
    assert.equal(drop.line, 12);
    assert.match(drop.expected, /move it to contract/);
    assert.equal((await api(cp.url, '/rollouts/unsafe-index')).http, 404, 'nothing stored');
    const { rows } = await pool.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'`);
    assert.equal(rows.length, 0, 'nothing ran');
  });
});
