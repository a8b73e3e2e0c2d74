import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, SluiceError, VersionConflictError } from '@sluice/domain';
import pg from 'pg';
import { makeFlag } from '../flags.contract.js';
import { runStoreContract } from '../store.contract.js';
import { createTestDatabase } from '../testing/postgres-test-db.js';
import { makeEvent, makeRollout, makeService } from '../testing/store-fixtures.js';
import { openPostgresStore, redactDatabaseUrl } from './postgres-store.js';
import { SCHEMA_VERSION } from '../kysely/migrations.js';

/** Every migration, each recorded once: [{ version: 1 }, …]. */
const ALL_SCHEMA_VERSIONS = Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 }));

const T0 = Date.UTC(2026, 0, 1);

async function query(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

const database = await createTestDatabase();

if (database === undefined) {
  test('postgres store', { skip: 'PostgreSQL not reachable' }, () => {});
} else {
  const { url } = database;
  after(() => database.drop());

  describe('postgres store: opening', () => {
    // Runs first, on the still-empty database: the migration race is only real before tables exist.
    test('several stores opening one new database at once migrate exactly once', async () => {
      const stores = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore({ url })));
      await Promise.all(stores.map((store) => store.close()));
      const { rows } = await query(url, 'select version from schema_migrations order by version');
      assert.deepEqual(rows, ALL_SCHEMA_VERSIONS);
    });

    test('an unreachable server is a SluiceError with the password redacted', async () => {
      const bad = 'postgres://sluice:hunter2@127.0.0.1:1/nowhere';
      await assert.rejects(
        openPostgresStore({ url: bad }),
        (error) =>
          error instanceof SluiceError &&
          error.code === ErrorCode.STORE_UNAVAILABLE &&
          error.message.includes('127.0.0.1:1') &&
          !error.message.includes('hunter2'),
      );
      assert.equal(redactDatabaseUrl(bad), 'postgres://sluice:***@127.0.0.1:1/nowhere');
    });
  });

  runStoreContract('postgres', async () => {
    const store = await openPostgresStore({ url });
    await query(url, 'truncate services, rollouts, segments, analysis_templates, revisions, events, experiments, experiment_counts, experiment_marks, targets, flags, flag_versions, flag_usage, metric_samples, webhooks, webhook_deliveries, webhook_cursor, tokens, leases, published_routes, data_plane_reports restart identity');
    return { store, cleanup: () => store.close() };
  });

  describe('postgres store: two instances on one database', () => {
    test("each sees the other's writes", async () => {
      await query(url, 'truncate services, rollouts, segments, analysis_templates, revisions, events, experiments, experiment_counts, experiment_marks, targets, flags, flag_versions, flag_usage, metric_samples, webhooks, webhook_deliveries, webhook_cursor, tokens, leases, published_routes, data_plane_reports restart identity');
      const [a, b] = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url })]);
      try {
        const service = await a.services.save(makeService('checkout'), 0);
        assert.deepEqual(await b.services.get('checkout'), service);
        const rollout = await b.rollouts.save(makeRollout('checkout-v2', 'checkout', T0), 0);
        assert.deepEqual(await a.rollouts.list({ activeOnly: true }), [rollout]);
        const fromA = await a.events.append([makeEvent('checkout', 'checkout-v2', T0)]);
        const fromB = await b.events.append([makeEvent('checkout', 'checkout-v2', T0 + 1)]);
        assert.deepEqual(await b.events.list(), [...fromA, ...fromB]);
        await assert.rejects(b.services.save(service, 0), VersionConflictError);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    test('two control planes sampling the same seconds store each (service, version, second) once', async () => {
      const [a, b] = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url })]);
      try {
        await query(url, 'truncate metric_samples');
        const batch = (requests: number) => [0, 1, 2].map((s) => ({ service: 'shop', version: 'v1', at: T0 + s * 1000, requests, errors: 0, p50Ms: 1, p99Ms: 2 }));
        const added = await Promise.all([a.metricSamples.append(batch(10)), b.metricSamples.append(batch(20))]);
        assert.equal(added[0] + added[1], 3);
        const stored = await b.metricSamples.list({ service: 'shop', from: T0, to: T0 + 3000 });
        assert.equal(stored.length, 3);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    test('concurrent saves at one version from two instances: exactly one wins', async () => {
      await query(url, 'truncate services, rollouts, segments, analysis_templates, revisions, events, experiments, experiment_counts, experiment_marks, targets, flags, flag_versions, flag_usage, metric_samples, webhooks, webhook_deliveries, webhook_cursor, tokens, leases, published_routes, data_plane_reports restart identity');
      const [a, b] = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url })]);
      try {
        const v1 = await a.services.save(makeService('payments'), 0);
        const results = await Promise.allSettled(
          [a, b].map((store, i) =>
            store.transaction(async (tx) => {
              await tx.events.append([makeEvent('payments', 'payments-v2', T0 + i)]);
              return tx.services.save({ ...v1, status: { stable: `v${i + 2}`, revision: 2 } }, 1);
            }),
          ),
        );
        const lost = results.filter((r) => r.status === 'rejected');
        assert.equal(lost.length, 1);
        assert.ok(lost[0]?.reason instanceof VersionConflictError, String(lost[0]?.reason));
        assert.equal((await b.services.get('payments'))?.version, 2);
        assert.equal((await a.events.list()).length, 1);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    test('a reader resuming flag changes from the last seq it saw misses none committed later', async () => {
      const [a, b] = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url })]);
      try {
        await query(url, 'truncate flags, flag_versions, flag_usage restart identity');
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let saved!: () => void;
        const savedInA = new Promise<void>((resolve) => (saved = resolve));
        const change = { actor: 'alice', at: T0, reason: 'test' };
        // A takes a seq first but commits last; B's save must not become visible with a higher seq meanwhile.
        const slow = a.transaction(async (tx) => {
          await tx.flags.save(makeFlag('a'), 0, change);
          saved();
          await gate;
        });
        await savedInA;
        const fast = b.flags.save(makeFlag('b'), 0, change);
        await Promise.race([fast, sleep(300)]);
        const seen = await b.flags.changesSince(0);
        release();
        await Promise.all([slow, fast]);
        const rest = await b.flags.changesSince(seen.at(-1)?.seq ?? 0);
        assert.deepEqual([...seen, ...rest].map((r) => r.name).sort(), ['a', 'b']);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });
}
