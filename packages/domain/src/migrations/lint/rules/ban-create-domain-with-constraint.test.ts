import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './ban-create-domain-with-constraint.js';

test('flags CREATE DOMAIN with a CHECK or NOT NULL', () => {
  const sql = 'CREATE DOMAIN positive AS int CHECK (VALUE > 0); CREATE DOMAIN email AS text; CREATE DOMAIN app.code AS text NOT NULL;';
  assert.deepEqual(flagged(rule, sql), [0, 2]);
  const [f, qualified] = lintWith(rule, sql);
  assert.match(f?.message ?? '', /domain positive carries a constraint/);
  assert.match(qualified?.message ?? '', /domain app\.code/);
});
