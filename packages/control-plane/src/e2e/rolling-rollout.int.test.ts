import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROLLING_APP, keepTrafficFlowing } from '../runtime/process/testing/rolling-harness.js';
import { getJson, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';

interface Workload {
  readonly version: string;
  readonly readyEndpoints: readonly string[];
  readonly instances: readonly { readonly id: string; readonly state: string }[];
}

/**
 * shop's v1 at 3 replicas of the rolling-update fixture app (ABRUPT: it exits the moment it gets
 * SIGTERM, so only the drain-before-SIGTERM order protects its requests); with `v2`, also v2, which
 * answers 500 to every second request once `failFile` exists, and a Rollout replacing v1 by v2.
 */
function specYaml(failFile: string, withV2: boolean): string {
  const run = (version: string, extra: string) =>
    `    ${version}:\n      run:\n        command: "${ROLLING_APP}"\n        env: { VERSION: ${version}, ABRUPT: "1"${extra} }\n        replicas: 3\n        readiness: { path: /healthz, interval: 100ms }\n        gracePeriod: 5s\n`;
  const service = `apiVersion: sluice.dev/v1\nkind: Service\nmetadata: { name: shop }\nspec:\n  listen: 127.0.0.1:0\n  stable: v1\n  versions:\n${run('v1', '')}${withV2 ? run('v2', `, FAIL_FILE: "${failFile}", FAIL_SHARE: "0.5"`) : ''}`;
  if (!withV2) return service;
  return `${service}---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    rolling: { maxSurge: 1, maxUnavailable: 0 }
`;
}

describe('rolling rollout end to end (CLI → API → controller → process runtime ⇄ built-in proxy)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;

  before(async () => {
    dir = await tempDir('sluice-rolling-rollout-');
    server = await startServer(`${dir.path}/data`);
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  const serviceOf = () => getJson(`${server.url}/api/v1/services/shop`);
  const rolloutOf = () => getJson(`${server.url}/api/v1/rollouts/shop-v2`);
  const workload = async (version: string): Promise<Workload | undefined> => ((await serviceOf()).workloads as Workload[] | undefined)?.find((w) => w.version === version);

  test('v2 turns bad after batch 1: the guard rolls back, traffic returns to v1, v1 is back at 3 ready instances, v2 at 0; no reset, no failed v1 request', async (t) => {
    const failFile = join(dir.path, 'v2-fails');
    const applied = await sluice(server.url, ['apply', '-f', await writeSpec(dir.path, 'shop.yaml', specYaml(failFile, false))]);
    assert.equal(applied.code, 0, applied.stderr);
    const proxy = (await waitFor('the proxy to listen', async () => (await serviceOf()).traffic?.address)) as string;
    await waitFor('3 ready v1 instances', async () => ((await workload('v1'))?.readyEndpoints.length === 3 ? true : undefined));

    const traffic = keepTrafficFlowing(proxy, 6);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rollout = await sluice(server.url, ['apply', '-f', await writeSpec(dir.path, 'shop.yaml', specYaml(failFile, true))]);
    assert.equal(rollout.code, 0, rollout.stderr);
    const batch1 = await waitFor('batch 1 done (v2 at 1 and serving, v1 down to 2)', async () => {
      const r = await rolloutOf();
      return r.status?.scale?.v1 === 2 && r.status.canaryWeight > 0 ? r : undefined;
    }, 30_000);
    assert.equal(batch1.status.canaryWeight, 33.33);
    const v1AtFailure = (await workload('v1'))?.readyEndpoints.length ?? 0;
    await writeFile(failFile, 'now');
    const started = Date.now();

    const ended = await waitFor('the guard to roll it back and the plan to finish', async () => {
      const r = await rolloutOf();
      return ['Failed', 'Aborted', 'Succeeded'].includes(r.status?.phase) ? r : undefined;
    }, 60_000);
    const tookMs = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const tally = await traffic.stop();
    t.diagnostic(`rolled back ${tookMs}ms after v2 turned bad; requests ok ${tally.ok}, failed ${tally.failed} (by version ${JSON.stringify([...tally.failedVersions])}), resets ${tally.resets}; answered by ${JSON.stringify([...tally.versions])}`);

    assert.equal(ended.status.phase, 'Failed', ended.status.message);
    assert.deepEqual(ended.status.rollbackPlan.ops.map((o: { op: string }) => o.op), ['traffic', 'verify', 'runtime']);
    assert.ok(ended.status.rollbackPlan.ops.every((o: { doneAt?: number }) => o.doneAt !== undefined));
    assert.deepEqual(ended.status.scale, { v1: 3, v2: 0 });
    const { items } = (await getJson(`${server.url}/api/v1/rollouts/shop-v2/events`)) as { items: { type: string; to?: string }[] };
    assert.ok(items.some((e) => e.type === 'GuardBreached'), 'the guardian fired');
    assert.deepEqual(items.filter((e) => e.type === 'RollbackProgressed').map((e) => e.to), ['traffic', 'verify', 'runtime']);
    assert.equal(tally.resets, 0, tally.errors.slice(0, 5).join('; '));
    assert.equal(tally.failed, tally.failedVersions.get('v2') ?? 0, `only v2's injected 500s failed: ${tally.errors.filter((e) => !e.includes('(v2)')).slice(0, 5).join('; ')}`);
    assert.ok((tally.failedVersions.get('v2') ?? 0) > 0, 'v2 did fail some requests (what the guard saw)');
    assert.ok(tally.ok >= 200, `${tally.ok} requests answered`);
    assert.ok(v1AtFailure >= 2, `v1 had ${v1AtFailure} ready instances when v2 turned bad`);

    const v1 = await waitFor('v1 at 3 ready instances', async () => {
      const w = await workload('v1');
      return w?.readyEndpoints.length === 3 ? w : undefined;
    });
    assert.equal(v1.instances.length, 3);
    const v2 = await workload('v2');
    assert.equal(v2?.instances.length ?? 0, 0, `v2 runs nothing: ${JSON.stringify(v2?.instances)}`);
    const split = (await serviceOf()).traffic;
    assert.equal(split?.weight ?? 0, 0, JSON.stringify(split));
    const answers = await Promise.all([0, 1, 2, 3, 4, 5].map(async () => (await fetch(`http://${proxy}/`)).headers.get('x-app-version')));
    assert.deepEqual(new Set(answers), new Set(['v1']));
    // Scaling down (no spec change) goes the rolling update's way: out of the table, drained, then SIGTERM.
    const log = server.output();
    const leaving = log.split('\n').filter((line) => /is out of the data plane's table; draining/.test(line));
    t.diagnostic(leaving.join(' | '));
    assert.equal(leaving.filter((line) => line.includes('shop/v1')).length, 1, 'v1 3 → 2 in batch 1');
    assert.ok(leaving.filter((line) => line.includes('shop/v2')).length >= 1, 'v2 → 0 in the rollback');
    assert.match(log, / SIGTERM v1-\d\S* inflight=0/);
    assert.match(log, / SIGTERM v2-\d\S* inflight=0/);
    assert.doesNotMatch(log, /request after SIGTERM/);
  });
});
