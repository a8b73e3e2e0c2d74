import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ALL_RULES } from '@sluice/domain';
import { runCli } from '../testing/run-cli.js';

const SQL = fileURLToPath(new URL('../testing/sql/', import.meta.url));
const file = (name: string): string => join(SQL, name);

describe('sluice migrate lint', () => {
  test('reports unsafe statements like a compiler, with the fix, and exits 1', async () => {
    const run = await runCli(['migrate', 'lint', file('unsafe.sql')]);
    assert.equal(run.code, 1);
    const lines = run.out.split('\n');
    assert.ok(lines.includes(`${file('unsafe.sql')}:5:1: error [adding-foreign-key-constraint] (unsafe) adding a foreign key from "Orders" to users takes SHARE ROW EXCLUSIVE locks on both tables and scans "Orders": writes to both wait`), run.out);
    assert.ok(lines.includes('      ALTER TABLE "Orders" VALIDATE CONSTRAINT orders_user_fk;'), run.out);
    assert.ok(lines.some((l) => l.startsWith(`${file('unsafe.sql')}:8:17: error [require-concurrent-index-creation] (unsafe)`)), run.out);
    assert.ok(lines.includes(`${file('unsafe.sql')}: 7 statements (5 expand, 0 contract, 2 unsafe); 3 findings`), run.out);
    assert.equal(run.err, '');
  });

  test('a clean file exits 0 with its summary', async () => {
    const run = await runCli(['migrate', 'lint', file('safe.sql')]);
    assert.equal(run.code, 0);
    assert.equal(run.out, `${file('safe.sql')}: 5 statements (5 expand, 0 contract, 0 unsafe); 0 findings\n`);
  });

  test('--fail-on picks the lowest severity that fails', async () => {
    assert.equal((await runCli(['migrate', 'lint', file('warning.sql')])).code, 0);
    assert.equal((await runCli(['migrate', 'lint', '--fail-on', 'warning', file('warning.sql')])).code, 1);
    assert.equal((await runCli(['migrate', 'lint', '--fail-on', 'info', file('safe.sql')])).code, 0);
    assert.equal((await runCli(['migrate', 'lint', '--fail-on', 'fatal', file('safe.sql')])).code, 2);
  });

  test('--format json lists files, statements with class, findings and counts', async () => {
    const run = await runCli(['migrate', 'lint', '--format', 'json', file('unsafe.sql'), file('safe.sql')]);
    assert.equal(run.code, 1);
    const doc = JSON.parse(run.out) as {
      files: { file: string; statements: { line: number; col: number; text: string; classification: string; findings: { rule: string }[] }[] }[];
      findings: { rule: string; file: string; line: number }[];
      counts: { statements: Record<string, number>; findings: Record<string, number> };
    };
    assert.deepEqual(doc.files.map((f) => f.file), [file('unsafe.sql'), file('safe.sql')]);
    const index = doc.files[0]?.statements.find((s) => s.line === 8);
    assert.deepEqual([index?.col, index?.classification, index?.text], [17, 'unsafe', 'CREATE INDEX orders_created_idx ON "Orders" (created_at)']);
    assert.equal(doc.files[0]?.statements.at(-1)?.text.startsWith('DO $$'), true);
    assert.deepEqual(doc.counts.statements, { expand: 10, contract: 0, unsafe: 2 });
    assert.deepEqual(doc.findings.filter((f) => f.rule === 'adding-foreign-key-constraint').map((f) => [f.file, f.line]), [[file('unsafe.sql'), 5]]);
  });

  test('--pg-version changes what is safe (any default rewrites before PostgreSQL 11)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-lint-'));
    const sql = join(dir, 'default.sql');
    await writeFile(sql, "SET lock_timeout = '1s'; SET statement_timeout = '1min';\nALTER TABLE users ADD COLUMN IF NOT EXISTS active boolean DEFAULT true;\n");
    assert.equal((await runCli(['migrate', 'lint', sql])).code, 0);
    const old = await runCli(['migrate', 'lint', '--pg-version', '10', sql]);
    assert.equal(old.code, 1);
    assert.match(old.out, /:2:1: error \[adding-field-with-default\]/);
    assert.equal((await runCli(['migrate', 'lint', '--pg-version', 'new', sql])).code, 2);
  });

  test('a syntax error exits 2 with file:line:col', async () => {
    const run = await runCli(['migrate', 'lint', file('broken.sql')]);
    assert.equal(run.code, 2);
    assert.match(run.err, new RegExp(`^${file('broken.sql').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:18: syntax error at or near "int"`, 'm'));
    assert.equal(run.out, '');
  });

  test('a missing file exits 2', async () => {
    const run = await runCli(['migrate', 'lint', file('nope.sql')]);
    assert.equal(run.code, 2);
    assert.match(run.err, /cannot read .*nope\.sql: no such file/);
  });
});

describe('sluice migrate rules', () => {
  test('lists every rule with class and severity', async () => {
    const run = await runCli(['migrate', 'rules']);
    assert.equal(run.code, 0);
    const lines = run.out.trim().split('\n');
    assert.equal(lines.length, ALL_RULES.length + 1);
    assert.match(lines.find((l) => l.startsWith('require-concurrent-index-creation ')) ?? '', /\s+unsafe\s+error\s+CREATE INDEX without CONCURRENTLY/);
    assert.match(lines.find((l) => l.startsWith('require-lock-timeout ')) ?? '', /\s+unsafe\s+warning\s+/);
  });
});
