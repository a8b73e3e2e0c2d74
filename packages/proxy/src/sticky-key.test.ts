import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCookie } from './sticky-key.js';

test('readCookie finds a cookie anywhere in the header', () => {
  assert.equal(readCookie('sluice=abc', 'sluice'), 'abc');
  assert.equal(readCookie('a=1; sluice=abc; b=2', 'sluice'), 'abc');
  assert.equal(readCookie('a=1;sluice=abc', 'sluice'), 'abc');
  assert.equal(readCookie('a=1;   sluice=abc  ', 'sluice'), 'abc');
});

test('readCookie does not match a cookie whose name merely starts or ends the same', () => {
  assert.equal(readCookie('sluice_old=x; xsluice=y', 'sluice'), undefined);
  assert.equal(readCookie('sluice_old=x; sluice=y', 'sluice'), 'y');
  assert.equal(readCookie('a=sluice=z', 'sluice'), undefined);
});

test('readCookie treats an empty value as absent and strips quotes', () => {
  assert.equal(readCookie('sluice=; other=1', 'sluice'), undefined);
  assert.equal(readCookie('sluice=""', 'sluice'), undefined);
  assert.equal(readCookie('sluice="k-1"', 'sluice'), 'k-1');
  assert.equal(readCookie('', 'sluice'), undefined);
  assert.equal(readCookie('sluice', 'sluice'), undefined);
});

test('readCookie takes the first of duplicated cookies', () => {
  assert.equal(readCookie('sluice=first; sluice=second', 'sluice'), 'first');
});
