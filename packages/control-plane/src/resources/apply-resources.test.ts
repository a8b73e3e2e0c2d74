import assert from 'node:assert/strict';
import { nginxRefusal } from '../traffic/nginx/nginx-render.js';
import { kubernetesRunRefusal } from '../runtime/kubernetes/deployment-manifest.js';
import { processRunRefusal } from '../runtime/process/validate-workload-spec.js';
import { describe, test } from 'node:test';
import { ErrorCode, Phase, SluiceError } from '@sluice/domain';
import { parseResources } from '@sluice/spec';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { Store } from '../store/store.js';
import { applyResources, type ApplyOptions } from './apply-resources.js';

const SERVICE = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: ["http://127.0.0.1:9001"] }
    v2: { upstreams: ["http://127.0.0.1:9002"] }
  stable: v1
`;
const rollout = (name: string, target: string, weight = 20) => `---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: ${name} }
spec:
  service: shop
  target: ${target}
  strategy: { canary: { steps: [ { setWeight: ${weight} }, { pause: {} } ] } }
`;

const opts: ApplyOptions = { dryRun: false, actor: 'alice', now: 1000 };
const apply = (store: Store, text: string, o = opts) => applyResources(store, parseResources(text, { file: 'f.yaml' }), o);
const rejectsWith = (code: ErrorCode, pattern: RegExp) => (e: unknown) =>
  e instanceof SluiceError && e.code === code && e.problems.some((p) => pattern.test(p.message) && p.file === 'f.yaml' && (p.line ?? 0) > 0);

/** A store where rollout r1 finished and promoted v2 to stable (the file still declares v1). */
async function promotedToV2(): Promise<Store> {
  const store = new MemoryStore();
  await apply(store, SERVICE + rollout('r1', 'v2'));
  const r1 = await store.rollouts.get('r1');
  const service = await store.services.get('shop');
  assert.ok(r1 && service);
  await store.transaction(async (tx) => {
    await tx.rollouts.save({ ...r1, status: { ...r1.status, phase: Phase.Succeeded } }, r1.version);
    await tx.services.save({ ...service, status: { stable: 'v2', revision: 2 } }, service.version);
  });
  return store;
}

describe('applyResources', () => {
  test('applyResources creates, then reports unchanged, then configured', async () => {
    const store = new MemoryStore();
    assert.deepEqual(await apply(store, SERVICE + rollout('r1', 'v2')), [
      { kind: 'Service', name: 'shop', action: 'created' },
      { kind: 'Rollout', name: 'r1', action: 'created' },
    ]);
    assert.deepEqual((await apply(store, SERVICE + rollout('r1', 'v2'))).map((r) => r.action), ['unchanged', 'unchanged']);
    const changed = SERVICE.replace('9002', '9003');
    assert.deepEqual((await apply(store, changed)).map((r) => r.action), ['configured']);
    const events = await store.events.list();
    assert.deepEqual(events.map((e) => [e.type, e.actor]), [['ServiceCreated', 'alice'], ['RolloutCreated', 'alice'], ['ServiceUpdated', 'alice']]);
  });

  test('applyResources refuses to change an existing rollout spec', async () => {
    const store = new MemoryStore();
    await apply(store, SERVICE + rollout('r1', 'v2'));
    await assert.rejects(apply(store, rollout('r1', 'v2', 50)), rejectsWith(ErrorCode.IMMUTABLE_FIELD, /spec cannot change/));
  });

  test('applyResources allows one active rollout per service', async () => {
    const store = new MemoryStore();
    await apply(store, SERVICE + rollout('r1', 'v2'));
    await assert.rejects(apply(store, rollout('r2', 'v2')), rejectsWith(ErrorCode.CONFLICT, /already has an active rollout \(r1\)/));
  });

  test('applyResources is all-or-nothing: one bad document writes nothing', async () => {
    const store = new MemoryStore();
    await assert.rejects(apply(store, SERVICE + rollout('r1', 'v9')), (e: unknown) => e instanceof SluiceError && e.code === ErrorCode.UNKNOWN_REFERENCE);
    assert.deepEqual(await store.services.list(), []);
    assert.deepEqual(await store.events.list(), []);
  });

  test('applyResources with dryRun checks everything and writes nothing', async () => {
    const store = new MemoryStore();
    const results = await apply(store, SERVICE + rollout('r1', 'v2'), { ...opts, dryRun: true });
    assert.equal(results.length, 2);
    assert.deepEqual(await store.services.list(), []);
  });

  test('applyResources rejects removing a version an active rollout uses', async () => {
    const store = new MemoryStore();
    await apply(store, SERVICE + rollout('r1', 'v2'));
    const withoutV2 = SERVICE.replace('    v2: { upstreams: ["http://127.0.0.1:9002"] }\n', '');
    await assert.rejects(apply(store, withoutV2), rejectsWith(ErrorCode.CONFLICT, /used by active rollout "r1"/));
  });

  test('applyResources accepts a rollout back to v1 once v2 was promoted to stable', async () => {
    const store = await promotedToV2();
    await assert.rejects(apply(store, rollout('r2', 'v2')), (e: unknown) => e instanceof SluiceError && e.code === ErrorCode.UNKNOWN_REFERENCE);
    await apply(store, rollout('r3', 'v1'));
    assert.equal((await store.rollouts.get('r3'))?.status.stable, 'v2');
  });

  test('applyResources checks a rollout in the same file as its service against the promoted stable', async () => {
    const store = await promotedToV2();
    await assert.rejects(apply(store, SERVICE + rollout('again', 'v2')), (e: unknown) => e instanceof SluiceError && e.code === ErrorCode.UNKNOWN_REFERENCE);
    await apply(store, SERVICE + rollout('back', 'v1'));
    assert.equal((await store.rollouts.get('back'))?.status.stable, 'v2');
  });

  test('applyResources refuses to drop the version a promotion made stable', async () => {
    const store = await promotedToV2();
    const onlyV1 = SERVICE.replace('    v2: { upstreams: ["http://127.0.0.1:9002"] }\n', '');
    await assert.rejects(apply(store, onlyV1), rejectsWith(ErrorCode.CONFLICT, /"v2" is the stable version/));
    assert.equal((await store.services.get('shop'))?.status.stable, 'v2');
    const onlyV2 = SERVICE.replace('    v1: { upstreams: ["http://127.0.0.1:9001"] }\n', '').replace('stable: v1', 'stable: v2');
    assert.deepEqual((await apply(store, onlyV2)).map((r) => r.action), ['configured']);
    assert.equal((await store.services.get('shop'))?.status.stable, 'v2');
  });
});

describe('applyResources: segments', () => {
  const segment = (ids: string, name = 'testers') => `---
apiVersion: sluice.dev/v1
kind: Segment
metadata: { name: ${name} }
spec:
  match: [ { header: x-user-id, in: [${ids}] } ]
`;
  const routed = `---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: r1 }
spec:
  service: shop
  target: v2
  strategy: { canary: { steps: [ { setSegmentRoute: { segment: testers } }, { pause: {} } ] } }
`;

  test('applyResources creates, keeps and replaces segments, each change a ResourceChanged event with before/after', async () => {
    const store = new MemoryStore();
    assert.deepEqual(await apply(store, SERVICE + segment('u1') + routed), [
      { kind: 'Service', name: 'shop', action: 'created' },
      { kind: 'Segment', name: 'testers', action: 'created' },
      { kind: 'Rollout', name: 'r1', action: 'created' },
    ]);
    assert.deepEqual(await store.segments.get('testers'), {
      name: 'testers',
      version: 1,
      spec: { match: [{ kind: 'header', name: 'x-user-id', match: { in: ['u1'] } }] },
    });
    assert.deepEqual(await apply(store, segment('u1')), [{ kind: 'Segment', name: 'testers', action: 'unchanged' }]);
    assert.deepEqual(await apply(store, segment('u1, u2')), [{ kind: 'Segment', name: 'testers', action: 'configured' }]);
    assert.equal((await store.segments.get('testers'))?.version, 2);
    const events = await store.events.list();
    assert.deepEqual(events.map((e) => [e.type, e.subject.kind, e.to]), [
      ['ServiceCreated', 'Service', 'v1'],
      ['ResourceChanged', 'Segment', 'created'],
      ['RolloutCreated', 'Rollout', 'v2'],
      ['ResourceChanged', 'Segment', 'configured'],
    ]);
    const configured = events[3];
    assert.equal(configured?.service, '');
    assert.deepEqual(configured?.data?.before, { match: [{ kind: 'header', name: 'x-user-id', match: { in: ['u1'] } }] });
    assert.deepEqual(configured?.data?.after, { match: [{ kind: 'header', name: 'x-user-id', match: { in: ['u1', 'u2'] } }] });
  });

  test('applyResources accepts a reference to a stored segment and rejects an unknown one, writing nothing', async () => {
    const store = new MemoryStore();
    await apply(store, segment('u1'));
    assert.deepEqual((await apply(store, SERVICE + routed)).map((r) => r.action), ['created', 'created']);
    const other = new MemoryStore();
    await assert.rejects(apply(other, SERVICE + segment('u1', 'others') + routed), (e: unknown) => {
      assert.ok(e instanceof SluiceError && e.code === ErrorCode.UNKNOWN_REFERENCE, String(e));
      assert.deepEqual(e.problems.map((p) => [p.path, p.line, p.message]), [
        ['spec.strategy.canary.steps[0].setSegmentRoute.segment', 23, 'segment "testers" does not exist'],
      ]);
      return true;
    });
    assert.deepEqual(await other.segments.list(), []);
    assert.deepEqual(await other.services.list(), []);
  });

  test('applyResources with dryRun writes no segment', async () => {
    const store = new MemoryStore();
    assert.deepEqual(await apply(store, segment('u1'), { ...opts, dryRun: true }), [{ kind: 'Segment', name: 'testers', action: 'created' }]);
    assert.deepEqual(await store.segments.list(), []);
  });

  test('a segment matching the client address is refused for a data plane without source-match, and accepted with it', async () => {
    const store = new MemoryStore();
    const office = `apiVersion: sluice.dev/v1
kind: Segment
metadata: { name: office }
spec:
  anyOf: [ { match: [ { header: x-user-id, in: [u1] } ] }, { match: [ { sourceCidr: [10.0.0.0/8] } ] } ]
`;
    const gateway = { kind: 'gateway-api', capabilities: new Set(['weights', 'header-match', 'mirror']) };
    await assert.rejects(apply(store, office, { ...opts, dataPlane: gateway }), rejectsWith(ErrorCode.UNSUPPORTED_CAPABILITY, /gateway-api data plane cannot match on the client address/));
    assert.deepEqual(await store.segments.list(), []);
    const nginx = { kind: 'nginx', capabilities: new Set(['weights', 'header-match', 'source-match', 'mirror']) };
    assert.equal((await apply(store, office, { ...opts, dataPlane: nginx })).length, 1);
    // A flag's value is evaluated inside the built-in proxy only: nginx refuses a segment that needs it.
    const flagged = office.replace('office', 'checkout-on').replace('{ match: [ { sourceCidr: [10.0.0.0/8] } ] }', '{ match: [ { flag: { name: new-checkout, environment: production } } ] }');
    await assert.rejects(apply(store, flagged, { ...opts, dataPlane: nginx }), rejectsWith(ErrorCode.UNSUPPORTED_CAPABILITY, /nginx data plane cannot match on a feature flag/));
  });

  test('a rule the engine itself cannot evaluate (nginx: a header name with "_") is refused at apply with the engine\'s reason', async () => {
    const store = new MemoryStore();
    const underscore = `apiVersion: sluice.dev/v1
kind: Segment
metadata: { name: legacy }
spec:
  match: [ { header: x_legacy_client, exact: "1" } ]
`;
    const nginx = { kind: 'nginx', capabilities: new Set(['weights', 'header-match', 'source-match', 'mirror']), refusal: nginxRefusal };
    await assert.rejects(apply(store, underscore, { ...opts, dataPlane: nginx }), rejectsWith(ErrorCode.UNSUPPORTED_CAPABILITY, /nginx data plane cannot serve this rule: .*x_legacy_client/));
    assert.deepEqual(await store.segments.list(), []);
    assert.equal((await apply(store, underscore.replaceAll('x_legacy_client', 'x-legacy-client'), { ...opts, dataPlane: nginx })).length, 1);
  });

  test('a version the runtime cannot run is refused at its run: an image alone on the process runtime, a command alone on Kubernetes', async () => {
    const store = new MemoryStore();
    const commandOnly = SERVICE.replace('v1: { upstreams: ["http://127.0.0.1:9001"] }', 'v1: { run: { command: "node app.js", image: ghcr.io/acme/shop:1.0 } }').replace('v2: { upstreams: ["http://127.0.0.1:9002"] }', 'v2: { run: { command: "node app.js" } }');
    const imageOnly = commandOnly.replace('v2: { run: { command: "node app.js" } }', 'v2: { run: { image: ghcr.io/acme/shop:2.0 } }');
    const processRuntime = { kind: 'process', cannotRun: processRunRefusal };
    await assert.rejects(apply(store, imageOnly, { ...opts, runtime: processRuntime }), (e: unknown) => {
      assert.ok(e instanceof SluiceError && e.code === ErrorCode.UNSUPPORTED_CAPABILITY, String(e));
      assert.equal(e.problems.length, 1);
      assert.equal(e.problems[0]?.path, 'spec.versions.v2.run');
      assert.match(e.problems[0]?.message ?? '', /process runtime cannot run version "v2": it starts commands, and this version gives only an image/);
      assert.match(e.problems[0]?.expected ?? '', /--runtime kubernetes/);
      return true;
    });
    assert.deepEqual(await store.services.list(), [], 'nothing stored');
    const kubernetes = { kind: 'kubernetes', cannotRun: kubernetesRunRefusal };
    assert.equal((await apply(store, imageOnly, { ...opts, runtime: kubernetes })).length, 1, 'an image is what Kubernetes runs (v1 gives both)');
    await assert.rejects(apply(new MemoryStore(), commandOnly, { ...opts, runtime: kubernetes }), rejectsWith(ErrorCode.UNSUPPORTED_CAPABILITY, /kubernetes runtime cannot run version "v2": it runs images, and this version gives only a command/));
  });

  test('applyResources rejects a setMirror step the data plane cannot serve, before writing anything', async () => {
    const store = new MemoryStore();
    const mirrored = SERVICE + rollout('r1', 'v2').replace('{ pause: {} }', '{ setMirror: { percent: 10 } }');
    const builtin = { kind: 'builtin-proxy', capabilities: new Set(['weights', 'sticky', 'header-match']) };
    await assert.rejects(apply(store, mirrored, { ...opts, dataPlane: builtin }), rejectsWith(ErrorCode.UNSUPPORTED_CAPABILITY, /does not support setMirror/));
    assert.deepEqual(await store.services.list(), []);
    const withMirror = { kind: 'memory', capabilities: new Set(['weights', 'sticky', 'header-match', 'mirror']) };
    assert.equal((await apply(store, mirrored, { ...opts, dataPlane: withMirror })).length, 2);
  });
});
