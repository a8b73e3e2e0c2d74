import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { parseResources } from '@sluice/spec';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { Store } from '../store/store.js';
import { applyResources, type ApplyOptions } from './apply-resources.js';

/** A Service on 127.0.0.1:8080; `extra` (hosts, proxy) starts at line 8. */
const service = (name: string, extra = '') => `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: ${name} }
spec:
  listen: 127.0.0.1:8080
  versions: { v1: { upstreams: ["http://127.0.0.1:9001"] } }
  stable: v1
${extra}`;
const SEGMENT = `apiVersion: sluice.dev/v1
kind: Segment
metadata: { name: testers }
spec: { match: [ { header: x-user-id, in: [u1] } ] }
`;

const opts: ApplyOptions = { dryRun: false, actor: 'alice', now: 1000 };
const apply = (store: Store, file: string, text: string, o = opts) => applyResources(store, parseResources(text, { file }), o);
const docs = (...texts: string[]) => texts.join('---\n');

/** What the store holds: service names and versions, segments, and the number of events. */
async function snapshot(store: Store) {
  return {
    services: (await store.services.list()).map((s) => [s.name, s.version]),
    segments: (await store.segments.list()).map((s) => s.name),
    events: (await store.events.list()).length,
  };
}

/** Asserts `error` is UNKNOWN_REFERENCE with exactly these problems (file, line, col, path, message). */
function assertRejected(error: unknown, problems: readonly (readonly [string, number, number, string, RegExp])[]): true {
  assert.ok(error instanceof SluiceError, String(error));
  assert.equal(error.code, ErrorCode.UNKNOWN_REFERENCE);
  assert.equal(error.problems.length, problems.length, JSON.stringify(error.problems));
  problems.forEach(([file, line, col, path, message], i) => {
    const p = error.problems[i];
    assert.deepEqual([p?.file, p?.line, p?.col, p?.path], [file, line, col, path]);
    assert.match(p?.message ?? '', message);
  });
  return true;
}

describe('applyResources: services sharing a listen address', () => {
  test('applyResources stores services kept apart by hosts, and compares hosts and proxy when re-applied', async () => {
    const store = new MemoryStore();
    const shop = service('shop', '  hosts: [shop.example.com]\n  proxy: { limits: { maxBodySize: 1KiB } }\n');
    assert.deepEqual((await apply(store, 'a.yaml', docs(shop, service('www')))).map((r) => r.action), ['created', 'created']);
    assert.deepEqual((await store.services.get('shop'))?.spec.proxy, { limits: { maxBodyBytes: 1024 } });
    assert.deepEqual((await apply(store, 'a.yaml', docs(shop, service('www')))).map((r) => r.action), ['unchanged', 'unchanged']);
    const bigger = shop.replace('1KiB', '2KiB');
    assert.deepEqual((await apply(store, 'a.yaml', bigger)).map((r) => r.action), ['configured']);
    const moreHosts = bigger.replace('[shop.example.com]', '[shop.example.com, "*.shop.example.com"]');
    assert.deepEqual((await apply(store, 'a.yaml', moreHosts)).map((r) => r.action), ['configured']);
    assert.deepEqual((await store.services.get('shop'))?.spec.hosts, ['shop.example.com', '*.shop.example.com']);
    assert.deepEqual((await store.events.list()).map((e) => e.type), ['ServiceCreated', 'ServiceCreated', 'ServiceUpdated', 'ServiceUpdated']);
  });

  test('applyResources rejects a host a stored service claims, naming both, and applies nothing', async () => {
    const store = new MemoryStore();
    await apply(store, 'a.yaml', docs(service('shop', '  hosts: [x.io, shop.example.com]\n'), service('www')));
    const before = await snapshot(store);
    const api = service('api', '  hosts: [api.example.com, SHOP.example.com]\n');
    for (const dryRun of [false, true]) {
      await assert.rejects(apply(store, 'b.yaml', docs(SEGMENT, api), { ...opts, dryRun }), (e: unknown) =>
        assertRejected(e, [['b.yaml', 13, 28, 'spec.hosts[1]', /^host "shop\.example\.com" on 127\.0\.0\.1:8080 is already claimed by Service "shop" \(applied before\); Service "api" cannot claim it too$/]]),
      );
    }
    assert.deepEqual(await snapshot(store), before);
  });

  test('applyResources rejects a second service without hosts on an address, and applies nothing', async () => {
    const store = new MemoryStore();
    await apply(store, 'a.yaml', service('www'));
    const before = await snapshot(store);
    await assert.rejects(apply(store, 'b.yaml', docs(SEGMENT, service('api'))), (e: unknown) =>
      assertRejected(e, [['b.yaml', 10, 11, 'spec.listen', /^listen address is already used by Service "www" \(applied before\), and neither "api" nor "www" names hosts$/]]),
    );
    assert.deepEqual(await snapshot(store), before);
  });

  test('applyResources checks against the new version of a stored service updated in the same apply', async () => {
    const store = new MemoryStore();
    await apply(store, 'a.yaml', service('www'));
    const results = await apply(store, 'b.yaml', docs(service('www', '  hosts: [www.example.com]\n'), service('api')));
    assert.deepEqual(results.map((r) => [r.name, r.action]), [['www', 'configured'], ['api', 'created']]);
    assert.deepEqual((await store.services.list()).map((s) => [s.name, s.spec.hosts ?? null]), [['api', null], ['www', ['www.example.com']]]);
  });

  test('applyResources reports a conflict between two files of one apply once, at the later file', async () => {
    const store = new MemoryStore();
    const resources = [
      ...parseResources(service('shop', '  hosts: ["*.example.com"]\n'), { file: 'a.yaml' }),
      ...parseResources(service('api', '  hosts: ["*.EXAMPLE.com"]\n'), { file: 'b.yaml' }),
    ];
    await assert.rejects(applyResources(store, resources, opts), (e: unknown) =>
      assertRejected(e, [['b.yaml', 8, 11, 'spec.hosts[0]', /^host "\*\.example\.com" on 127\.0\.0\.1:8080 is already claimed by Service "shop" in a\.yaml:8; Service "api"/]]),
    );
    assert.deepEqual(await store.services.list(), []);
  });
});
