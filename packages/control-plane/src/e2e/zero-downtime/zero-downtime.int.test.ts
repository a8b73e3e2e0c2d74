import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, tempDir, type ServerProcess } from '../testing/sluice-process.js';
import { checkRun, failureLines } from './testing/checks.js';
import { LoadMix } from './testing/load-mix.js';
import type { LoadReport } from './testing/load-mix.js';
import { formatTable } from './testing/phase-stats.js';
import { PHASES, Scenario } from './testing/scenario.js';

// The short form of `npm run bench:zero-downtime`: the same phases and traffic kinds at 400 requests/s.
const RPS = 400;
const REPLICAS = 2;

describe('zero downtime: mixed traffic through a canary, a promotion, a rolling update, a blue-green switch and a rollback', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;

  before(async () => {
    dir = await tempDir('sluice-zero-downtime-');
    server = await startServer(`${dir.path}/data`);
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  test(`${RPS} requests/s (keep-alive, new connections, slow uploads, long downloads, one WebSocket): 0 failed, 0 reset`, { timeout: 240_000 }, async (t) => {
    const scenario = new Scenario({
      api: server.url, specDir: dir.path, replicas: REPLICAS, pauseMs: 1_000, dwellMs: 3_000, baselineMs: 2_000,
      log: (line) => t.diagnostic(line),
    });
    const [host, port] = splitAddress(await scenario.prepare());
    const load = new LoadMix({ host, port, rps: RPS });
    await load.start();
    let report: LoadReport;
    try {
      await scenario.run(load);
    } finally {
      report = await load.stop();
      console.log(`\n${formatTable(report.phases)}`);
      console.log(`offered ${RPS} rps, achieved ${report.achievedRps.toFixed(0)} rps over ${report.seconds.toFixed(1)} s; WebSocket on ${report.ws.servedBy.join(' then ')}; blue-green: ${scenario.notes.blueGreen}; rolling update: ${scenario.notes.rollingUpdate}`);
    }
    for (const line of failureLines(report.phases)) t.diagnostic(line);
    assert.deepEqual(report.phases.map((p) => p.name), ['baseline', ...PHASES]);
    assert.ok(report.total.requests >= RPS * 20, `enough load: ${report.total.requests} requests`);
    assert.deepEqual(
      { failed: report.total.failed, resets: report.total.resets, timeouts: report.total.timeouts },
      { failed: 0, resets: 0, timeouts: 0 },
      failureLines(report.phases).join('\n'),
    );
    assert.equal(report.total.ok, report.total.requests, 'every request sent was answered');
    assert.deepEqual(checkRun(report, REPLICAS), []);
  });
});

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
