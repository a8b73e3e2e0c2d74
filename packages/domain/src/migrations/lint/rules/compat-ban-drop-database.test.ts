import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-ban-drop-database.js';

test('ban-drop-database flags DROP DATABASE naming it', () => {
  const [f, ...rest] = runRule(rule, 'DROP DATABASE IF EXISTS "Shop_Prod";');
  assert.equal(rest.length, 0);
  assert.equal(f?.classification, 'contract');
  assert.equal(f?.severity, 'error');
  assert.match(f?.message ?? '', /database "Shop_Prod"/);
});

test('ban-drop-database ignores other drops', () => {
  assert.deepEqual(runRule(rule, 'DROP TABLE t; DROP SCHEMA s; CREATE DATABASE d;'), []);
});
