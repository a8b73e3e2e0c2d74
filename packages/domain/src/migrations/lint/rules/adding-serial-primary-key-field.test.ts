import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './adding-serial-primary-key-field.js';

test('flags ADD PRIMARY KEY unless USING INDEX', () => {
  const sql = `ALTER TABLE items ADD PRIMARY KEY (id);
ALTER TABLE items ADD CONSTRAINT items_pkey PRIMARY KEY USING INDEX items_id_idx;
ALTER TABLE logs ADD COLUMN id bigserial PRIMARY KEY;`;
  assert.deepEqual(flagged(rule, sql), [0, 2]);
  const [f, column] = lintWith(rule, sql);
  assert.match(f?.message ?? '', /PRIMARY KEY \(id\) to items/);
  assert.match(f?.fix ?? '', /PRIMARY KEY USING INDEX items_pkey;$/);
  assert.match(column?.message ?? '', /to logs/);
});
