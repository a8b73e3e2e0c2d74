import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { experimentReport, renderExperimentTable, type Experiment } from '@sluice/domain';
import type { ExperimentView } from '../api-types.js';
import { T0 } from '../testing/fixtures.js';
import { runCli } from '../testing/run-cli.js';

const EXPERIMENT: Experiment = {
  name: 'new-checkout',
  version: 1,
  spec: {
    name: 'new-checkout',
    service: 'shop',
    variants: [{ name: 'control', weight: 50, serves: { version: 'v1' } }, { name: 'treatment', weight: 50, serves: { version: 'v2' } }],
    control: 'control',
    primaryMetric: { name: 'purchase', event: 'checkout', kind: 'conversion', direction: 'increase', minimumDetectableEffect: 0.3 },
    guardrailMetrics: [],
  },
  status: { phase: 'Running', startedAt: T0 - 3_600_000 },
};

const REPORT = experimentReport(EXPERIMENT.spec, {
  exposures: { control: 5000, treatment: 5000 },
  metrics: { purchase: { control: { users: 5000, conversions: 500 }, treatment: { users: 5000, conversions: 650 } } },
});

const VIEW: ExperimentView = {
  ...EXPERIMENT,
  allocation: [{ variant: 'treatment', weight: 50, from: 0, to: 5000 }, { variant: 'control', weight: 50, from: 5000, to: 10_000 }],
  users: 10_000,
  droppedExposures: 0,
  report: REPORT,
};

const requests: { method: string; url: string; body: string }[] = [];
let url = '';
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', body });
    const answer = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.url === '/api/v1/experiments') return answer(200, { items: [VIEW] });
    if (req.url === '/api/v1/experiments/new-checkout') return answer(200, VIEW);
    if (req.url === '/api/v1/experiments/new-checkout/stop') return answer(200, { ...VIEW, status: { ...VIEW.status, phase: 'Stopped' } });
    if (req.url === '/api/v1/experiments/new-checkout/promote') {
      return answer(200, { ...VIEW, status: { ...VIEW.status, phase: 'Promoted', promoted: { variant: 'control', version: 'v1', forced: true } } });
    }
    return answer(404, { error: { code: 'NOT_FOUND', message: 'Experiment "nope" does not exist', id: 'x', details: {} } });
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('sluice experiment', () => {
  test('report prints the phase and the domain table of the report', async () => {
    const run = await runCli(['experiment', 'report', 'new-checkout'], { url });
    assert.equal(run.code, 0, run.err);
    assert.equal(run.out, `Phase: Running. Users: 10000.\n${renderExperimentTable(REPORT)}`);
    assert.match(run.out, /Experiment new-checkout: winner: treatment/);
  });

  test('report -o json prints exactly the report', async () => {
    const run = await runCli(['experiment', 'report', 'new-checkout', '-o', 'json'], { url });
    assert.equal(run.code, 0, run.err);
    assert.deepEqual(JSON.parse(run.out), JSON.parse(JSON.stringify(REPORT)));
  });

  test('get experiments lists them in a table; get exp NAME -o json prints the view', async () => {
    const table = await runCli(['get', 'experiments'], { url });
    assert.equal(table.code, 0, table.err);
    const [header, row] = table.out.trimEnd().split('\n');
    assert.match(header ?? '', /^NAME\s+SERVICE\s+PHASE\s+VARIANTS\s+PRIMARY\s+USERS\s+RESULT\s+AGE$/);
    assert.match(row ?? '', /^new-checkout\s+shop\s+Running\s+control 50% \/ treatment 50%\s+purchase\s+10000\s+winner: treatment\s+60m$/);
    const one = await runCli(['get', 'exp', 'new-checkout', '-o', 'json'], { url });
    assert.equal(JSON.parse(one.out).allocation[0].to, 5000);
  });

  test('stop and promote send their options; an unknown experiment exits 1 with the message', async () => {
    requests.length = 0;
    const stop = await runCli(['experiment', 'stop', 'new-checkout', '--reason', 'enough data'], { url });
    assert.equal(stop.code, 0, stop.err);
    assert.equal(stop.out, 'experiment/new-checkout stopped: winner: treatment\n');
    const promote = await runCli(['experiment', 'promote', 'new-checkout', '--variant', 'control', '--force'], { url });
    assert.equal(promote.code, 0, promote.err);
    assert.equal(promote.out, 'experiment/new-checkout promoted control (forced): shop serves v1 as its stable version\n');
    assert.deepEqual(requests.map((r) => [r.method, r.url, r.body]), [
      ['POST', '/api/v1/experiments/new-checkout/stop', '{"reason":"enough data"}'],
      ['POST', '/api/v1/experiments/new-checkout/promote', '{"variant":"control","force":true}'],
    ]);
    const missing = await runCli(['experiment', 'report', 'nope'], { url });
    assert.equal(missing.code, 1);
    assert.match(missing.err, /Experiment "nope" does not exist/);
  });
});
