import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../store/testing/postgres-test-db.js';
import { demoServiceYaml, getJson, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';

const ROWS = 4000;
const ENV = 'SHOP_CRASH_DATABASE_URL';

const ROLLOUT = `---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  migration:
    database: { urlFromEnv: ${ENV} }
    columnChange: { table: orders, from: customer, to: client, type: text }
    backfill: { batchSize: 25, pause: 20ms }
  strategy:
    canary:
      steps:
        - pause: {}
        - setWeight: 100
        - contract: {}
`;

/** A migration's transitions, from the rollout's events. */
async function migrationEvents(url: string): Promise<string[]> {
  const { items } = await getJson<{ items: { type: string; from?: string; to?: string }[] }>(`${url}/api/v1/rollouts/shop-v2/events`);
  return items.filter((e) => e.type === 'MigrationChanged').map((e) => `${e.from}→${e.to}`);
}

describe('crash: kill -9 of the server during a migration backfill', () => {
  let db: TestDatabase | undefined;
  let pool: pg.Pool;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;

  before(async () => {
    db = await createTestDatabase();
    if (!db) return;
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    // Dropping the database ends its connections; an idle client's error then must not fail the run.
    pool.on('error', () => undefined);
    await pool.query('CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer text NOT NULL)');
    await pool.query(`INSERT INTO orders (customer) SELECT 'c' || g FROM generate_series(1, ${ROWS}) g`);
    dir = await tempDir('sluice-migration-crash-');
  });
  after(async () => {
    await server?.stop();
    await pool?.end();
    await db?.drop();
    await dir?.remove();
  });

  test('the next process resumes the backfill where the stored progress ends: expand once, every row copied', async (t) => {
    if (!db) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    const env = { [ENV]: db.url };
    server = await startServer(`${dir.path}/data`, { env });
    const file = await writeSpec(dir.path, 'shop.yaml', demoServiceYaml() + ROLLOUT);
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    const before = await waitFor('the backfill under way', async () => {
      const r = await getJson(`${server?.url}/api/v1/rollouts/shop-v2`);
      return (r.status.migration?.backfill?.rows ?? 0) >= 500 ? r.status.migration.backfill : undefined;
    });
    await server.kill9();
    server = await startServer(`${dir.path}/data`, { env });
    const resumed = await getJson(`${server.url}/api/v1/rollouts/shop-v2`);
    assert.equal(resumed.status.migration.backfill.startedAt, before.startedAt, 'the same backfill, not a new one');
    assert.ok(resumed.status.migration.backfill.rows >= before.rows, 'the stored progress survived');
    const done = await waitFor('the backfill to finish', async () => {
      const r = await getJson(`${server?.url}/api/v1/rollouts/shop-v2`);
      return r.status.migration?.phase === 'backfilled' ? r.status.migration.backfill : undefined;
    }, 60_000);
    assert.ok(done.rows >= ROWS - 25 && done.rows <= ROWS, `each row copied once, but for a batch the crash may have left unrecorded (${done.rows})`);
    assert.equal(Number((await pool.query('SELECT count(*) AS n FROM orders WHERE client IS DISTINCT FROM customer')).rows[0].n), 0, 'every row copied');
    assert.deepEqual(await migrationEvents(server.url), ['pending→expanding', 'expanding→expanded', 'expanded→backfilling', 'backfilling→backfilled']);
    const status = await sluice(server.url, ['migrate', 'status', 'shop-v2']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Phase:\s+backfilled done: [\d,]+ rows/);
    assert.match(status.stdout, /Database:\s+\$SHOP_CRASH_DATABASE_URL/);
    assert.doesNotMatch(status.stdout, /postgres:\/\//, 'the URL is never shown');
  });
});
