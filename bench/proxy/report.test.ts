import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { camel, flatJson, headline, sluiceNginxVsNginx } from './report.js';
import type { RunFacts, Summary } from './report.js';

const summary = (rps: number, p99Ms: number, cpuUsPerReq: number, partCpuUsPerReq?: number): Summary => ({
  rps, p50Ms: 1, p99Ms, cpuUsPerReq, cpuSpreadPct: 0, errors: 0, foreignPctMax: 0, ...(partCpuUsPerReq === undefined ? {} : { partCpuUsPerReq }),
});

const facts: RunFacts = { quick: true, multiCore: false, rounds: 2, durationSec: 4, connections: [50, 200], canaryPercent: 10, splits: new Map(), notes: {} };

describe('sluice-nginx against nginx', () => {
  const summaries = new Map<string, Summary>([
    ['direct@50', summary(100_000, 0.5, 3)],
    ['direct@200', summary(100_000, 2, 3)],
    ['nginx@50', summary(20_000, 2, 10)],
    ['nginx@200', summary(20_000, 5, 12)],
    ['sluice-nginx@50', summary(18_000, 2.5, 15, 14)],
    ['sluice-nginx@200', summary(10_000, 9, 24, 22)],
  ]);

  it('gives the rps and CPU ratios and the p99 added over nginx per connection count', () => {
    const at50 = sluiceNginxVsNginx(summaries, 50);
    assert.equal(at50['sluiceNginxRpsRatioToNginx50'], 0.9);
    assert.equal(at50['sluiceNginxCpuRatioToNginx50'], 1.5);
    assert.equal(at50['sluiceNginxNginxOnlyCpuRatioToNginx50'], 1.4);
    assert.equal(at50['sluiceNginxAddedP99MsOverNginx50'], 0.5);
  });

  it('reports the worst case over connection counts, and null when a target is missing', () => {
    const h = headline(summaries, facts);
    assert.equal(h['sluiceNginxRpsRatioToNginx'], 0.5);
    assert.equal(h['sluiceNginxCpuRatioToNginx'], 2);
    assert.equal(h['sluiceNginxAddedP99MsOverNginx'], 4);
    assert.equal(h['sluiceNginxAddedP99Ms200'], 7);
    const without = headline(new Map([...summaries].filter(([k]) => !k.startsWith('sluice-nginx'))), facts);
    assert.equal(without['sluiceNginxRpsRatioToNginx'], null);
    assert.equal(without['sluiceNginxAddedP99MsOverNginx'], null);
  });

  it('writes camel-case keys and the log-tail CPU (whole tree minus nginx)', () => {
    assert.equal(camel('sluice-nginx'), 'sluiceNginx');
    assert.equal(camel('http-proxy'), 'httpProxy');
    const json = flatJson(summaries, facts, ['direct', 'nginx', 'sluice-nginx']);
    assert.equal(json['sluiceNginxRps50'], 18_000);
    assert.equal(json['sluiceNginxLogTailCpuUsPerReq200'], 2);
    assert.equal(json['nginxCpuUsPerReq200'], 12);
  });
});
