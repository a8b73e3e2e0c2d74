import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCode, SluiceError } from '@sluice/domain';
import Database from 'better-sqlite3';
import { makeExperiment } from '../experiments.contract.js';
import { makeFlag } from '../flags.contract.js';
import { runStoreContract } from '../store.contract.js';
import { makeAnalysisTemplate, makeEvent, makeRevision, makeRollout, makeSegment, makeService } from '../testing/store-fixtures.js';
import { openSqliteStore } from './sqlite-store.js';
import { SCHEMA_VERSION } from '../kysely/migrations.js';

/** Every migration, each recorded once: [{ version: 1 }, …]. */
const ALL_SCHEMA_VERSIONS = Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 }));

const T0 = Date.UTC(2026, 0, 1);
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-sqlite-store-'));
  dirs.push(dir);
  return dir;
}

after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

runStoreContract('sqlite', async () => {
  const dir = await tempDir();
  const store = await openSqliteStore({ file: join(dir, 'sluice.db') });
  return { store, cleanup: () => store.close() };
});

describe('sqlite store', () => {
  test('creates the parent directory, uses WAL and records the schema version once', async () => {
    const file = join(await tempDir(), 'nested', 'deeper', 'sluice.db');
    const first = await openSqliteStore({ file });
    assert.equal(first.kind, 'sqlite');
    await first.close();
    await (await openSqliteStore({ file })).close();
    const raw = new Database(file, { readonly: true });
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.deepEqual(raw.prepare('select version from schema_migrations order by version').all(), ALL_SCHEMA_VERSIONS);
    } finally {
      raw.close();
    }
  });

  test('a database at schema version 1 gains the segments and analysis_templates tables and keeps its data', async () => {
    const file = join(await tempDir(), 'sluice.db');
    const first = await openSqliteStore({ file });
    const service = await first.services.save(makeService('checkout'), 0);
    await first.close();
    const raw = new Database(file);
    try {
      // Back to what version 1 of the schema created.
      raw.exec('drop table segments; drop table analysis_templates; drop table revisions; drop table experiments; drop table experiment_counts; drop table experiment_marks; drop table targets; drop table flags; drop table flag_versions; drop table flag_usage; drop table metric_samples; drop table webhooks; drop table webhook_deliveries; drop table webhook_cursor; drop table if exists tokens; drop table if exists leases; drop table if exists published_routes; drop table if exists data_plane_reports; delete from schema_migrations where version >= 2');
    } finally {
      raw.close();
    }
    const upgraded = await openSqliteStore({ file });
    try {
      assert.deepEqual(await upgraded.services.get('checkout'), service);
      assert.deepEqual(await upgraded.segments.list(), []);
      assert.equal((await upgraded.segments.save(makeSegment('testers'), 0)).version, 1);
      assert.equal((await upgraded.analysisTemplates.save(makeAnalysisTemplate('latency'), 0)).version, 1);
    } finally {
      await upgraded.close();
    }
  });

  test('a database at schema version 2 gains the analysis_templates table and keeps its segments', async () => {
    const file = join(await tempDir(), 'sluice.db');
    const first = await openSqliteStore({ file });
    const segment = await first.segments.save(makeSegment('testers'), 0);
    await first.close();
    const raw = new Database(file);
    try {
      raw.exec('drop table analysis_templates; drop table revisions; drop table experiments; drop table experiment_counts; drop table experiment_marks; drop table targets; drop table flags; drop table flag_versions; drop table flag_usage; drop table metric_samples; drop table webhooks; drop table webhook_deliveries; drop table webhook_cursor; drop table if exists tokens; drop table if exists leases; drop table if exists published_routes; drop table if exists data_plane_reports; delete from schema_migrations where version >= 3');
    } finally {
      raw.close();
    }
    const upgraded = await openSqliteStore({ file });
    try {
      assert.deepEqual(await upgraded.segments.get('testers'), segment);
      assert.deepEqual(await upgraded.analysisTemplates.list(), []);
      assert.equal((await upgraded.analysisTemplates.save(makeAnalysisTemplate('latency'), 0)).version, 1);
    } finally {
      await upgraded.close();
    }
  });

  test('a database at schema version 3 gains the revisions table and keeps its services and templates', async () => {
    const file = join(await tempDir(), 'sluice.db');
    const first = await openSqliteStore({ file });
    const service = await first.services.save(makeService('checkout'), 0);
    const template = await first.analysisTemplates.save(makeAnalysisTemplate('latency'), 0);
    await first.close();
    const raw = new Database(file);
    try {
      raw.exec('drop table revisions; drop table experiments; drop table experiment_counts; drop table experiment_marks; drop table targets; drop table flags; drop table flag_versions; drop table flag_usage; drop table metric_samples; drop table webhooks; drop table webhook_deliveries; drop table webhook_cursor; drop table if exists tokens; drop table if exists leases; drop table if exists published_routes; drop table if exists data_plane_reports; delete from schema_migrations where version >= 4');
    } finally {
      raw.close();
    }
    const upgraded = await openSqliteStore({ file });
    try {
      assert.deepEqual(await upgraded.services.get('checkout'), service);
      assert.deepEqual(await upgraded.analysisTemplates.get('latency'), template);
      assert.deepEqual(await upgraded.revisions.list('checkout'), []);
      const revision = makeRevision('checkout', 1, 'v1', T0);
      assert.deepEqual(await upgraded.revisions.append(revision), revision);
    } finally {
      await upgraded.close();
    }
  });

  test('a database at schema version 4 gains the experiment tables and keeps its revisions', async () => {
    const file = join(await tempDir(), 'sluice.db');
    const first = await openSqliteStore({ file });
    const revision = await first.revisions.append(makeRevision('checkout', 1, 'v1', T0));
    await first.close();
    const raw = new Database(file);
    try {
      raw.exec('drop table experiments; drop table experiment_counts; drop table experiment_marks; drop table targets; drop table flags; drop table flag_versions; drop table flag_usage; drop table metric_samples; drop table webhooks; drop table webhook_deliveries; drop table webhook_cursor; drop table if exists tokens; drop table if exists leases; drop table if exists published_routes; drop table if exists data_plane_reports; delete from schema_migrations where version >= 5');
    } finally {
      raw.close();
    }
    const upgraded = await openSqliteStore({ file });
    try {
      assert.deepEqual(await upgraded.revisions.list('checkout'), [revision]);
      assert.deepEqual(await upgraded.experiments.list(), []);
      assert.equal((await upgraded.experiments.save(makeExperiment('exp'), 0)).version, 1);
    } finally {
      await upgraded.close();
    }
  });

  test('a database at schema version 6 gains the flag tables and keeps its experiments', async () => {
    const file = join(await tempDir(), 'sluice.db');
    const first = await openSqliteStore({ file });
    const experiment = await first.experiments.save(makeExperiment('exp'), 0);
    await first.close();
    const raw = new Database(file);
    try {
      raw.exec('drop table flags; drop table flag_versions; drop table flag_usage; drop table metric_samples; drop table webhooks; drop table webhook_deliveries; drop table webhook_cursor; drop table if exists tokens; drop table if exists leases; drop table if exists published_routes; drop table if exists data_plane_reports; delete from schema_migrations where version >= 7');
    } finally {
      raw.close();
    }
    const upgraded = await openSqliteStore({ file });
    try {
      assert.deepEqual(await upgraded.experiments.get('exp'), experiment);
      assert.deepEqual(await upgraded.flags.list(), []);
      assert.equal(await upgraded.flags.latestSeq(), 0);
      assert.equal((await upgraded.flags.save(makeFlag('f'), 0, { actor: 'alice', at: T0, reason: 'new' })).version, 1);
      assert.equal(await upgraded.flags.latestSeq(), 1);
    } finally {
      await upgraded.close();
    }
  });

  test('a database at schema version 7 gains the metric_samples table and keeps its flags', async () => {
    const file = join(await tempDir(), 'sluice.db');
    const first = await openSqliteStore({ file });
    const flag = await first.flags.save(makeFlag('f'), 0, { actor: 'alice', at: T0, reason: 'new' });
    await first.close();
    const raw = new Database(file);
    try {
      raw.exec('drop table metric_samples; drop table webhooks; drop table webhook_deliveries; drop table webhook_cursor; drop table if exists tokens; drop table if exists leases; drop table if exists published_routes; drop table if exists data_plane_reports; delete from schema_migrations where version >= 8');
    } finally {
      raw.close();
    }
    const upgraded = await openSqliteStore({ file });
    try {
      assert.deepEqual(await upgraded.flags.get('f'), flag);
      const sample = { service: 'shop', version: 'v1', at: T0, requests: 3, errors: 1, p50Ms: 2, p99Ms: 9 };
      assert.equal(await upgraded.metricSamples.append([sample]), 1);
      assert.deepEqual(await upgraded.metricSamples.list({ service: 'shop', from: T0, to: T0 + 1000 }), [sample]);
    } finally {
      await upgraded.close();
    }
  });

  test('data survives close and reopen; seq keeps increasing', async () => {
    const file = join(await tempDir(), 'sluice.db');
    const first = await openSqliteStore({ file });
    const service = await first.services.save(makeService('checkout'), 0);
    const rollout = await first.rollouts.save(makeRollout('checkout-v2', 'checkout', T0), 0);
    const events = await first.events.append([makeEvent('checkout', 'checkout-v2', T0, { data: { weight: 20 } })]);
    await first.close();

    const second = await openSqliteStore({ file });
    try {
      assert.deepEqual(await second.services.get('checkout'), service);
      assert.deepEqual(await second.rollouts.list(), [rollout]);
      assert.deepEqual(await second.events.list(), events);
      const [next] = await second.events.append([makeEvent('checkout', 'checkout-v2', T0 + 1)]);
      assert.ok((next?.seq ?? 0) > (events[0]?.seq ?? Infinity));
      await assert.rejects(second.services.save(makeService('checkout'), 0), /expected version 0, found 1/);
    } finally {
      await second.close();
    }
  });

  test('a committed transaction survives kill -9 of the process that wrote it', async () => {
    const dir = await tempDir();
    const file = join(dir, 'sluice.db');
    const script = join(dir, 'writer.mjs');
    await writeFile(
      script,
      `const { openSqliteStore } = await import(process.argv[2]);
       const store = await openSqliteStore({ file: process.argv[3] });
       await store.transaction(async (tx) => {
         await tx.services.save(JSON.parse(process.argv[4]), 0);
         await tx.events.append([JSON.parse(process.argv[5])]);
       });
       process.stdout.write('committed\\n');
       setInterval(() => {}, 1000);`,
    );
    const moduleUrl = new URL('./sqlite-store.ts', import.meta.url).href;
    const root = fileURLToPath(new URL('../../../../../', import.meta.url));
    const args = [JSON.stringify(makeService('durable')), JSON.stringify(makeEvent('durable', 'r', T0))];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=sluice-source', script, moduleUrl, file, ...args],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`writer did not commit within 15 s: ${stderr}`)), 15_000);
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('committed')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`writer exited before committing: ${stderr}`)));
    });
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    const store = await openSqliteStore({ file });
    try {
      assert.deepEqual(await store.services.get('durable'), { ...makeService('durable'), version: 1 });
      assert.equal((await store.events.list({ service: 'durable' })).length, 1);
    } finally {
      await store.close();
    }
  });

  test('an unusable path is a SluiceError naming the file', async () => {
    const dir = await tempDir();
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const file = join(blocker, 'sluice.db');
    await assert.rejects(
      openSqliteStore({ file }),
      (error) => error instanceof SluiceError && error.code === ErrorCode.STORE_UNAVAILABLE && error.message.includes(file),
    );
  });
});
