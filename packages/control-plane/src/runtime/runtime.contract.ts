import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { Runtime, WorkloadKey, WorkloadSpec, WorkloadStatus } from './runtime.js';

/** What a runtime's test file provides to the shared contract suite. */
export interface RuntimeHarness {
  readonly runtime: Runtime;
  /** A spec whose instances become ready on their own, quickly. */
  spec(service: string, version: string, replicas: number): WorkloadSpec;
  /** Frees what the harness made (temp dirs); the suite closes the runtime itself first. */
  cleanup(): Promise<void>;
}

/** Longest a contract step waits for real processes; fakes finish at once. */
const WAIT_MS = 8000;

/** Behaviour every Runtime must show. Call from `<impl>.test.ts` or `<impl>.int.test.ts`. */
export function runRuntimeContract(name: string, create: () => Promise<RuntimeHarness>): void {
  describe(`${name} runtime contract`, () => {
    let harness: RuntimeHarness;
    let runtime: Runtime;
    let events: WorkloadStatus[];

    beforeEach(async () => {
      harness = await create();
      runtime = harness.runtime;
      events = [];
      runtime.onChange((status) => events.push(status));
    });

    afterEach(async () => {
      await runtime.close();
      await harness.cleanup();
    });

    test('ensure starts the replicas and they become ready', async () => {
      const key = { service: 'shop', version: 'v1' };
      await runtime.ensure(harness.spec('shop', 'v1', 2));
      await runtime.waitReady(key, 2, WAIT_MS);
      const status = mustStatus(runtime, key);
      assert.equal(status.desiredReplicas, 2);
      assert.equal(status.instances.length, 2);
      assert.equal(status.readyEndpoints.length, 2);
      assert.equal(new Set(status.readyEndpoints).size, 2, 'each replica has its own endpoint');
      assert.ok(runtime.list().some((w) => w.service === 'shop' && w.version === 'v1'));
      assert.ok(events.some((e) => e.version === 'v1' && e.readyEndpoints.length === 2), 'onChange saw both ready');
    });

    test('ensure with the same spec again changes nothing', async () => {
      const key = { service: 'shop', version: 'v1' };
      await runtime.ensure(harness.spec('shop', 'v1', 2));
      await runtime.waitReady(key, 2, WAIT_MS);
      const before = identities(mustStatus(runtime, key));
      await runtime.ensure(harness.spec('shop', 'v1', 2));
      const after = mustStatus(runtime, key);
      assert.deepEqual(identities(after), before);
      assert.equal(after.readyEndpoints.length, 2);
    });

    test('scaling 2 to 1 stops one instance and announces the smaller ready set', async () => {
      const key = { service: 'shop', version: 'v1' };
      await runtime.ensure(harness.spec('shop', 'v1', 2));
      await runtime.waitReady(key, 2, WAIT_MS);
      const before = mustStatus(runtime, key);
      await runtime.ensure(harness.spec('shop', 'v1', 1));
      await waitUntil('onChange announces one ready endpoint', () => events.at(-1)?.readyEndpoints.length === 1);
      const announced = events.at(-1)?.readyEndpoints[0];
      assert.ok(announced !== undefined && before.readyEndpoints.includes(announced), 'the kept instance is an old one');
      await waitUntil('the extra instance is gone', () => live(runtime.status(key)).length === 1);
      const after = mustStatus(runtime, key);
      assert.equal(after.desiredReplicas, 1);
      assert.deepEqual(after.readyEndpoints, [announced]);
    });

    test('a changed spec replaces every instance without announcing fewer than replicas − maxUnavailable ready', async () => {
      const key = { service: 'shop', version: 'v1' };
      const base = harness.spec('shop', 'v1', 2);
      await runtime.ensure(base);
      await runtime.waitReady(key, 2, WAIT_MS);
      const before = mustStatus(runtime, key).instances.map((i) => i.id);
      const rollingUpdate = { maxSurge: 1, maxUnavailable: 0, progressDeadlineMs: 60_000 };
      events.length = 0;
      await runtime.ensure({ ...base, run: { ...base.run, env: { ...base.run.env, CHANGED: '1' }, rollingUpdate } });
      await waitUntil('every instance is replaced', () => {
        const status = runtime.status(key);
        return status?.readyEndpoints.length === 2 && status.instances.length === 2 && status.instances.every((i) => !before.includes(i.id));
      });
      const announced = events.filter((e) => e.version === 'v1').map((e) => e.readyEndpoints.length);
      assert.ok(announced.length > 0 && announced.every((n) => n >= 2), `ready sets announced: ${announced.join(',')}`);
    });

    test('retire stops every instance and announces zero endpoints', async () => {
      const key = { service: 'shop', version: 'v1' };
      await runtime.ensure(harness.spec('shop', 'v1', 2));
      await runtime.waitReady(key, 2, WAIT_MS);
      await runtime.retire(key);
      assert.deepEqual(live(runtime.status(key)), []);
      assert.equal(runtime.status(key)?.readyEndpoints.length ?? 0, 0);
      const last = events.filter((e) => e.version === 'v1').at(-1);
      assert.deepEqual(last?.readyEndpoints, []);
    });

    test('retire of an unknown workload is a no-op', async () => {
      await runtime.retire({ service: 'nobody', version: 'v9' });
      assert.equal(runtime.status({ service: 'nobody', version: 'v9' }), undefined);
      assert.deepEqual(events, []);
    });

    test('versions of one service run side by side', async () => {
      await runtime.ensure(harness.spec('shop', 'v1', 1));
      await runtime.ensure(harness.spec('shop', 'v2', 1));
      await runtime.waitReady({ service: 'shop', version: 'v1' }, 1, WAIT_MS);
      await runtime.waitReady({ service: 'shop', version: 'v2' }, 1, WAIT_MS);
      await runtime.retire({ service: 'shop', version: 'v1' });
      assert.equal(mustStatus(runtime, { service: 'shop', version: 'v2' }).readyEndpoints.length, 1);
    });

    test('waitReady for an unknown workload rejects with ADAPTER_FAILED', async () => {
      await assert.rejects(runtime.waitReady({ service: 'nobody', version: 'v9' }, 1, 50), isCode(ErrorCode.ADAPTER_FAILED));
    });

    test('an unsubscribed listener hears nothing more', async () => {
      const heard: WorkloadStatus[] = [];
      const unsubscribe = runtime.onChange((status) => heard.push(status));
      unsubscribe();
      await runtime.ensure(harness.spec('shop', 'v1', 1));
      await runtime.waitReady({ service: 'shop', version: 'v1' }, 1, WAIT_MS);
      assert.deepEqual(heard, []);
      assert.ok(events.length > 0, 'the suite listener still hears');
    });

    test('close retires everything, is idempotent, and refuses new work', async () => {
      const key = { service: 'shop', version: 'v1' };
      await runtime.ensure(harness.spec('shop', 'v1', 1));
      await runtime.waitReady(key, 1, WAIT_MS);
      await runtime.close();
      await runtime.close();
      assert.deepEqual(live(runtime.status(key)), []);
      await assert.rejects(runtime.ensure(harness.spec('shop', 'v1', 1)), isCode(ErrorCode.ADAPTER_FAILED));
    });
  });
}

function mustStatus(runtime: Runtime, key: WorkloadKey): WorkloadStatus {
  const status = runtime.status(key);
  assert.ok(status !== undefined, `status of ${key.service}/${key.version} is missing`);
  return status;
}

function identities(status: WorkloadStatus): string[] {
  return status.instances.map((i) => `${i.id} pid=${i.pid ?? '-'} ${i.endpoint}`);
}

/** Instances that are not stopped; an absent workload has none. */
function live(status: WorkloadStatus | undefined): string[] {
  return (status?.instances ?? []).filter((i) => i.state !== 'stopped').map((i) => i.id);
}

/** Polls `condition` every 10 ms; fails the test with `what` after WAIT_MS. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs}ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function isCode(code: ErrorCode): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SluiceError, `expected a SluiceError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}
