import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InstanceRegistry, STATE_FILE } from './instance-registry.js';
import type { InstanceRecord } from './instance-registry.js';

function record(pgid: number): InstanceRecord {
  const base = { service: 's', version: 'v', instance: 'v-0', command: 'c', token: 't', specHash: 'h', port: 1, startedAt: 0 };
  return { ...base, pid: pgid, pgid, gracePeriodMs: 10 };
}

describe('InstanceRegistry', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-registry-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('saves every change so a new registry loads it, leaving no temp files', async () => {
    const stateDir = join(dir, 'nested', 'state');
    const registry = new InstanceRegistry(stateDir, () => {});
    registry.put(record(100));
    registry.put(record(200));
    registry.remove(100);
    assert.deepEqual(new InstanceRegistry(stateDir, () => {}).load(), [record(200)]);
    assert.deepEqual(await readdir(stateDir), [STATE_FILE]);
    assert.match(await readFile(join(stateDir, STATE_FILE), 'utf8'), /"format": 1/);
  });

  test('a missing file is empty; records without pid, pgid, command or token are dropped', async () => {
    const logs: string[] = [];
    assert.deepEqual(new InstanceRegistry(join(dir, 'none'), (l) => logs.push(l)).load(), []);
    assert.deepEqual(logs, []);
    const odd = join(dir, 'odd');
    const registry = new InstanceRegistry(odd, () => {});
    registry.put(record(300));
    const text = await readFile(registry.path, 'utf8');
    await writeFile(registry.path, text.replace('"pgid": 300', '"pgid": "300"'));
    assert.deepEqual(new InstanceRegistry(odd, () => {}).load(), []);
  });

  test('an unwritable state dir is reported once, not thrown', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    const logs: string[] = [];
    const registry = new InstanceRegistry(join(file, 'state'), (l) => logs.push(l));
    registry.put(record(1000));
    registry.put(record(1001));
    assert.equal(logs.length, 1);
    assert.match(logs[0] ?? '', /cannot write .*a-file\/state\/instances.json: .*ENOTDIR/);
  });
});
