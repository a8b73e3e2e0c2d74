import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { api, browserAvailable, screenshot, until, useReleaseCenter } from '../testing/browser.js';

/** The PostgreSQL server the e2e tests use (SLUICE_TEST_PG_URL, default local trust auth). */
const ADMIN_URL = process.env['SLUICE_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ENV = `SLUICE_UI_MIGRATION_DB_${process.pid}`;
const ROWS = 3000;

function psql(url: string, sql: string): string {
  return execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8', timeout: 20_000 });
}

/** A fresh database with `orders` (ROWS rows), or undefined (after a SKIP line) without psql or a server. */
function createDatabase(): { url: string; drop(): void } | undefined {
  try {
    psql(ADMIN_URL, 'select 1');
  } catch (error) {
    const line = `SKIP: the Migrations page test needs PostgreSQL at ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')} and psql (${String(error).split('\n')[0]})`;
    if (process.env['CI'] === 'true') throw new Error(line);
    console.log(line);
    return undefined;
  }
  const name = `sluice_ui_test_${randomBytes(5).toString('hex')}`;
  psql(ADMIN_URL, `create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  psql(url.toString(), `CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer text NOT NULL, amount int NOT NULL);
    INSERT INTO orders (customer, amount) SELECT 'seed-' || g, g FROM generate_series(1, ${ROWS}) g`);
  return { url: url.toString(), drop: () => void psql(ADMIN_URL, `drop database if exists ${name} with (force)`) };
}

const SPECS = (port: number) => `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: [ "http://127.0.0.1:${port}" ] }
    v2: { upstreams: [ "http://127.0.0.1:${port}" ] }
  stable: v1
---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-rename }
spec:
  service: shop
  target: v2
  migration:
    database: { urlFromEnv: ${ENV} }
    columnChange: { table: orders, from: customer, to: client, type: text }
    backfill: { batchSize: 50, pause: 150ms }
  strategy:
    canary:
      steps:
        - pause: {}
        - setWeight: 100
        - contract: {}
`;



const db = browserAvailable('release center: Migrations page') ? createDatabase() : undefined;
if (db !== undefined) {
  describe('release center: the Migrations page in Chromium (real PostgreSQL)', () => {
    let app: Server;

    // Before the release center's: the control plane starts with the database's URL in its environment.
    before(async () => {
      process.env[ENV] = db.url;
      app = createServer((_req, res) => res.end('ok'));
      await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    });
    const center = useReleaseCenter('migrations', { controlPlane: { pollMs: 100 } });
    // After the release center's: the control plane is closed by then.
    after(() => {
      app?.close();
      db.drop();
      delete process.env[ENV];
    });

    test('a rollout with a migration: stages, a backfill bar that moves live, SQL of each phase, a link to the rollout', async () => {
      const page = await center.open('/ui/migrations');
      await page.getByText('No rollout carries a migration.').waitFor();
      await api(center.url, '/apply', SPECS((app.address() as { port: number }).port));
      // The page is not refreshing yet (nothing ran when it loaded): a reload shows the new rollout.
      await until('the backfill to start', async () => ((await api(center.url, '/rollouts/shop-rename')).status.migration?.phase === 'backfilling' ? true : undefined));
      await page.reload();
      const card = page.locator('article[data-rollout="shop-rename"]');
      const bar = card.getByRole('progressbar', { name: 'Backfill of shop-rename' });
      await bar.waitFor();
      assert.deepEqual(await card.locator('.stage').evaluateAll((s) => s.map((x) => `${x.getAttribute('data-stage')}:${x.getAttribute('data-state')}`)), ['expand:done', 'backfill:running', 'contract:pending']);
      assert.match((await card.textContent()) ?? '', /orders\.customer → client \(text\)/);
      await page.getByText('Refreshing every 2 s').waitFor();
      // Live: the bar moves without a reload.
      const first = Number(await until('a first count', async () => (await bar.getAttribute('aria-valuenow')) ?? undefined));
      await until('the bar to move', async () => (Number(await bar.getAttribute('aria-valuenow')) > first ? true : undefined), 10_000);
      assert.match((await card.locator('.backfill-text').textContent()) ?? '', /^\d+(\.\d)?% — [\d,]+ rows, [\d,]+ left(, ETA \S+)?$/);
      await screenshot(page, 'migrations-backfill-running');
      // The SQL of each phase, collapsed until opened.
      const expand = card.locator('details[data-sql="Expand"]');
      assert.equal(await expand.locator('pre').isVisible(), false);
      await expand.locator('summary').click();
      assert.match((await expand.locator('pre').textContent()) ?? '', /ALTER TABLE orders ADD COLUMN IF NOT EXISTS client text/);
      await card.locator('details[data-sql="Contract"] summary').click();
      assert.match((await card.locator('details[data-sql="Contract"] pre').textContent()) ?? '', /DROP COLUMN IF EXISTS customer/);
      assert.match((await card.locator('.ponr').textContent()) ?? '', /Point of no return: not reached/);
      // Done: the page shows the final count the API has, and stops refreshing.
      const done = await until('the backfill to finish', async () => {
        const r = await api(center.url, '/rollouts/shop-rename');
        return r.status.migration?.phase === 'backfilled' ? r.status.migration.backfill : undefined;
      }, 60_000);
      await card.locator('.migration-phase', { hasText: /^backfilled$/ }).waitFor();
      assert.equal(await bar.getAttribute('aria-valuenow'), '100');
      const doneText = `done: ${done.rows.toLocaleString('en-US')} rows in ${done.batches.toLocaleString('en-US')} batches`;
      assert.match((await card.locator('.backfill-text').textContent()) ?? '', new RegExp(`^${doneText} \\(\\S+\\)$`));
      assert.ok(done.rows >= ROWS, `every seed row copied (${done.rows})`);
      assert.deepEqual(await card.locator('.stage').evaluateAll((s) => s.map((x) => x.getAttribute('data-state'))), ['done', 'done', 'pending']);
      await page.getByText('Nothing running').waitFor();
      const link = card.getByRole('link', { name: 'shop-rename' });
      assert.equal(await link.getAttribute('href'), '/ui/rollouts/shop-rename');
      await link.click();
      assert.equal(new URL(page.url()).pathname, '/ui/rollouts/shop-rename');
    });
  });
}
