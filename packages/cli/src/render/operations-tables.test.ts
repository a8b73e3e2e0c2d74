import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseKind } from '../commands/get.js';
import { dataPlanesTable, webhooksTable } from './operations-tables.js';

test('webhooks table: URL as the server shows it, services (* for all), whether the secret variable is set, dead letters', () => {
  const lines = webhooksTable([
    { name: 'ops', spec: { url: 'https://hooks.example.com/sluice?…', events: ['started', 'rolledBack'], services: ['shop'], format: 'slack', secretFrom: { env: 'OPS_SECRET' } }, secretSet: true, deadLetters: 0 },
    { name: 'audit', spec: { url: 'https://audit.example.com/in', events: ['succeeded'], format: 'json', secretFrom: { env: 'AUDIT_SECRET' } }, secretSet: false, deadLetters: 3 },
  ]);
  assert.deepEqual(lines.slice(0, 3), [
    'NAME   URL                                 EVENTS              SERVICES  FORMAT  SECRET                  DEAD LETTERS',
    'ops    https://hooks.example.com/sluice?…  started,rolledBack  shop      slack   OPS_SECRET (set)        0',
    'audit  https://audit.example.com/in        succeeded           *         json    AUDIT_SECRET (MISSING)  3',
  ]);
});

test('data planes table: connected or silent, generation, and per service the address and split', () => {
  const lines = dataPlanesTable([
    { id: 'edge-1', generation: 7, ageMs: 800, connected: true, services: { shop: { stable: 'v1', canary: 'v2', weight: 30, generation: 7, address: '127.0.0.1:8080' } } },
    { id: 'edge-2', generation: 5, ageMs: 42_400, connected: false, services: {} },
  ]);
  assert.deepEqual(lines.slice(0, 3), [
    'ID      STATE       GENERATION  SERVES',
    'edge-1  connected   7           shop 127.0.0.1:8080 v1 70% / v2 30%',
    'edge-2  silent 42s  5           -',
  ]);
});

test('get takes webhooks and data planes by their names and aliases', () => {
  for (const text of ['webhooks', 'webhook', 'wh']) assert.equal(parseKind(text), 'webhooks');
  for (const text of ['data-planes', 'dataplanes', 'dataplane', 'dp']) assert.equal(parseKind(text), 'dataplanes');
});
