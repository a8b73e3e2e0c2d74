import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ProxyObservation } from '../observation.js';
import { backoffMs, parseControlPlaneUrls, streamUrl } from './control-plane-link.js';
import { EventStreamReader } from './event-stream-reader.js';
import { shippable } from './observation-shipper.js';
import { loadTable, saveTable, TableSaver } from './state-file.js';

describe('EventStreamReader', () => {
  test('messages split anywhere across chunks, CRLF or LF, comments skipped', () => {
    const text = ': hello\r\nid: 7\r\nevent: change\r\ndata: {"a":1}\r\n\r\n: heartbeat\n\nevent: snapshot\ndata: x\ndata: y\n\n';
    for (const size of [1, 2, 5, 1000]) {
      const reader = new EventStreamReader();
      const out = [];
      for (let i = 0; i < text.length; i += size) out.push(...reader.push(text.slice(i, i + size)));
      assert.deepEqual(out, [
        { event: 'change', data: '{"a":1}', id: '7' },
        { event: 'snapshot', data: 'x\ny' },
      ], `chunks of ${size}`);
    }
  });
});

describe('resume and reconnect', () => {
  test('a stream at generation 0 asks for a snapshot; later ones resume after the generation reached', () => {
    assert.equal(streamUrl('http://cp:7070', 0), 'http://cp:7070/api/v1/data-plane/stream');
    assert.equal(streamUrl('http://cp:7070', 42), 'http://cp:7070/api/v1/data-plane/stream?after=42');
  });

  test('backoff doubles from 200 ms to the cap, with jitter between half and all of it', () => {
    assert.equal(backoffMs(1, 5000, () => 1), 200);
    assert.equal(backoffMs(3, 5000, () => 1), 800);
    assert.equal(backoffMs(30, 5000, () => 1), 5000);
    assert.equal(backoffMs(30, 5000, () => 0), 2500);
  });

  test('control-plane URLs: trailing slashes dropped; not-a-URL, other schemes and credentials refused', () => {
    assert.deepEqual(parseControlPlaneUrls('http://a:1/, https://b:2'), ['http://a:1', 'https://b:2']);
    assert.throws(() => parseControlPlaneUrls(''), /no URL given/);
    assert.throws(() => parseControlPlaneUrls('http://exa mple'), /not a URL/);
    assert.throws(() => parseControlPlaneUrls('ftp://a'), /not http/);
    assert.throws(() => parseControlPlaneUrls('http://u:secret@a:1'), /SLUICE_TOKEN/);
  });
});

describe('observations sent', () => {
  test('keys over 256 characters are left out and long error texts cut', () => {
    const o: ProxyObservation = { service: 's', version: 'v2', route: 'split', status: 502, durationMs: 3, key: 'k'.repeat(257), error: 'e'.repeat(1000) };
    const sent = shippable(o);
    assert.equal(sent.key, undefined);
    assert.equal(sent.error?.length, 300);
    assert.equal(shippable({ ...o, key: 'user-1', error: 'short' }).key, 'user-1');
  });
});

describe('state file', () => {
  test('saved atomically (no temporary file left) and read back; a missing file is no table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-state-'));
    try {
      const path = join(dir, 'table.json');
      assert.equal(await loadTable(path), undefined);
      const routes = [{ service: 'a', generation: 3, removed: true }];
      await saveTable(path, { generation: 3, routes });
      assert.deepEqual(await loadTable(path), { generation: 3, routes });
      assert.deepEqual(await readdir(dir), ['table.json']);
      await saveTable(join(dir, 'bad.json'), { generation: 1, routes: [] });
      await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'bad.json'), '{"routes":1}'));
      await assert.rejects(loadTable(join(dir, 'bad.json')), /not a saved route table/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('saves asked for during a write are coalesced into one more write of the newest table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-state-'));
    try {
      const path = join(dir, 'table.json');
      let generation = 1;
      let reads = 0;
      const saver = new TableSaver(path, () => (reads++, { generation, routes: [] }), (e) => assert.fail(e));
      const first = saver.save();
      generation = 2;
      void saver.save();
      generation = 3;
      await saver.save();
      await first;
      await saver.save();
      assert.ok(reads <= 3, `read ${reads} times`);
      assert.equal(JSON.parse(await readFile(path, 'utf8')).generation, 3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
