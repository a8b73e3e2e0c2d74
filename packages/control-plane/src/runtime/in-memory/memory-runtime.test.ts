import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_READINESS, ErrorCode } from '@sluice/domain';
import type { WorkloadSpec, WorkloadStatus } from '../runtime.js';
import { isCode, runRuntimeContract } from '../runtime.contract.js';
import { MemoryRuntime } from './memory-runtime.js';

function spec(service: string, version: string, replicas: number, env: Record<string, string> = {}): WorkloadSpec {
  return {
    service,
    version,
    run: { command: 'fake', env, replicas, readiness: DEFAULT_READINESS, gracePeriodMs: 0 },
  };
}

runRuntimeContract('memory', async () => ({ runtime: new MemoryRuntime(), spec, cleanup: async () => {} }));

describe('MemoryRuntime', () => {
  const key = { service: 'shop', version: 'v2' };

  test('endpoints are fake memory.invalid URLs per replica', async () => {
    const runtime = new MemoryRuntime();
    await runtime.ensure(spec('shop', 'v2', 2));
    assert.deepEqual(runtime.status(key)?.readyEndpoints, ['http://memory.invalid/shop/v2/0', 'http://memory.invalid/shop/v2/1']);
  });

  test('manual readiness holds instances until markReady', async () => {
    const runtime = new MemoryRuntime({ manualReadiness: true });
    const heard: WorkloadStatus[] = [];
    runtime.onChange((s) => heard.push(s));
    await runtime.ensure(spec('shop', 'v2', 2));
    assert.deepEqual(runtime.status(key)?.readyEndpoints, []);
    assert.equal(heard.length, 0);
    const waiting = runtime.waitReady(key, 2, 1000);
    runtime.markReady(key, 'v2-0');
    assert.equal(runtime.status(key)?.readyEndpoints.length, 1);
    runtime.markReady(key);
    await waiting;
    assert.deepEqual(
      heard.map((s) => s.readyEndpoints.length),
      [1, 2],
    );
    runtime.markUnready(key, 'v2-1');
    assert.deepEqual(runtime.status(key)?.readyEndpoints, ['http://memory.invalid/shop/v2/0']);
  });

  test('waitReady times out naming the instances that are not ready', async () => {
    const runtime = new MemoryRuntime({ manualReadiness: true });
    await runtime.ensure(spec('shop', 'v2', 2));
    runtime.markReady(key, 'v2-0');
    await assert.rejects(runtime.waitReady(key, 2, 20), (error: Error) => {
      isCode(ErrorCode.ADAPTER_FAILED)(error);
      assert.match(error.message, /shop\/v2 has 1 of 2 required ready instance\(s\) after 20ms; not ready: v2-1 is starting/);
      return true;
    });
  });

  test('waitReady rejects when the workload is retired meanwhile, and on abort', async () => {
    const runtime = new MemoryRuntime({ manualReadiness: true });
    await runtime.ensure(spec('shop', 'v2', 1));
    const waiting = runtime.waitReady(key, 1, 1000);
    await runtime.retire(key);
    await assert.rejects(waiting, /retired while waiting/);
    await runtime.ensure(spec('shop', 'v2', 1));
    const controller = new AbortController();
    const aborted = runtime.waitReady(key, 1, 1000, controller.signal);
    controller.abort(new Error('caller gave up'));
    await assert.rejects(aborted, /caller gave up/);
  });

  test('a changed spec replaces the instances with new ids', async () => {
    const runtime = new MemoryRuntime();
    await runtime.ensure(spec('shop', 'v2', 1));
    await runtime.ensure(spec('shop', 'v2', 1, { FLAG: 'on' }));
    assert.deepEqual(runtime.status(key)?.instances.map((i) => i.id), ['v2-0.1']);
  });

  test('failNext makes the next call reject and records calls', async () => {
    const runtime = new MemoryRuntime();
    runtime.failNext('ensure');
    await assert.rejects(runtime.ensure(spec('shop', 'v2', 1)), isCode(ErrorCode.ADAPTER_FAILED));
    assert.equal(runtime.status(key), undefined);
    await runtime.ensure(spec('shop', 'v2', 1));
    assert.deepEqual(
      runtime.calls.map((c) => `${c.op} ${c.version} ${c.replicas ?? ''}`),
      ['ensure v2 1', 'ensure v2 1'],
    );
  });

  test('markReady of an unknown instance names the known ones', async () => {
    const runtime = new MemoryRuntime({ manualReadiness: true });
    await runtime.ensure(spec('shop', 'v2', 1));
    assert.throws(() => runtime.markReady(key, 'v2-7'), /has no instance "v2-7" \(has: v2-0\)/);
  });
});
