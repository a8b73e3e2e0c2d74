import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { isSluiceError, nodeKind } from '@sluice/domain';
import { loadSqlParser, parseMigrationSql } from './parse-sql.js';

before(() => loadSqlParser());

describe('parseMigrationSql', () => {
  test('several statements per line, comments and UTF-8 text map to character line/col', () => {
    const sql = "-- header comment\nSELECT 'héllo'; /* c */ CREATE INDEX i ON t (a);\n\n  DROP INDEX j;";
    const s = parseMigrationSql(sql, 'm.sql');
    assert.deepEqual(s.map((x) => [nodeKind(x.node), x.line, x.col]), [
      ['SelectStmt', 2, 1],
      ['IndexStmt', 2, 25],
      ['DropStmt', 4, 3],
    ]);
    assert.equal(s[1]?.text, 'CREATE INDEX i ON t (a)');
    assert.equal(s[2]?.text, 'DROP INDEX j');
    assert.deepEqual(s.map((x) => x.index), [0, 1, 2]);
  });

  test('DO blocks with dollar quoting and semicolons inside stay one statement', () => {
    const sql = "DO $body$ BEGIN RAISE NOTICE 'a;b'; END $body$;\nALTER TABLE \"Order Items\" ADD COLUMN \"Qty\" int;";
    const s = parseMigrationSql(sql, 'm.sql');
    assert.deepEqual(s.map((x) => nodeKind(x.node)), ['DoStmt', 'AlterTableStmt']);
    assert.deepEqual([s[1]?.line, s[1]?.col], [2, 1]);
    assert.match(s[1]?.text ?? '', /^ALTER TABLE "Order Items"/);
  });

  test('BEGIN … COMMIT and START TRANSACTION … ROLLBACK mark the statements between as in a transaction', () => {
    const sql = 'SELECT 1; BEGIN; SELECT 2; COMMIT; SELECT 3; START TRANSACTION; SELECT 4; ROLLBACK; SELECT 5;';
    const s = parseMigrationSql(sql, 'm.sql');
    assert.deepEqual(s.map((x) => x.inTransaction), [false, true, true, true, false, true, true, true, false]);
  });

  test('a syntax error is INVALID_SPEC with file:line:col of the offending token', () => {
    let caught: unknown;
    try {
      parseMigrationSql("SELECT 'é';\n  SELEC 2;", 'bad.sql');
    } catch (error) {
      caught = error;
    }
    assert.ok(isSluiceError(caught));
    assert.equal(caught.code, 'INVALID_SPEC');
    assert.deepEqual([caught.problems[0]?.file, caught.problems[0]?.line, caught.problems[0]?.col], ['bad.sql', 2, 3]);
    assert.match(caught.problems[0]?.message ?? '', /syntax error at or near "SELEC"/);
  });

  test('characters outside the BMP (4 UTF-8 bytes, 2 UTF-16 units) count as one column', () => {
    const s = parseMigrationSql("SELECT '😀😀'; DROP INDEX i;", 'm.sql');
    assert.deepEqual([s[1]?.line, s[1]?.col, s[1]?.text], [1, 14, 'DROP INDEX i']);
  });

  test('an empty file or one with only comments has no statements', () => {
    assert.deepEqual(parseMigrationSql('-- nothing\n/* here */', 'e.sql'), []);
  });
});
