import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ExperimentReport, ExperimentRow } from '@sluice/domain';
import { refChiSquareUpper, refHolm, refTwoProportion, refWelch, type RefComparison } from '@sluice/domain/testing/experiment-reference';
import { demoServiceYaml, getJson, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';
import { oracleVariant, postEvents, synthesize, type RawVariant } from './testing/synthetic-experiment.js';
import { versionsOf } from './testing/traffic-sample.js';

/** |actual − expected| ≤ relative·|expected| + 1e-12. */
function assertClose(actual: number | null | undefined, expected: number, relative: number, what: string): void {
  assert.ok(typeof actual === 'number', `${what}: missing (${String(actual)})`);
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected) + 1e-12, `${what}: ${actual} vs reference ${expected}`);
}

function row(report: ExperimentReport, metric: string, variant: string): ExperimentRow {
  const found = report.rows.find((r) => r.metric === metric && r.variant === variant);
  assert.ok(found, `row ${metric}/${variant}`);
  return found;
}

/** A report row against the independent reference, to 1e-6 relative. */
function assertRowMatches(actual: ExperimentRow, ref: RefComparison, n: number, what: string): void {
  assert.equal(actual.n, n, `${what} n`);
  assertClose(actual.value, ref.treatment, 1e-9, `${what} value`);
  assertClose(actual.diff, ref.diff, 1e-9, `${what} diff`);
  assertClose(actual.statistic, ref.statistic, 1e-6, `${what} statistic`);
  if (Number.isFinite(ref.df)) assertClose(actual.df, ref.df, 1e-6, `${what} Welch df`);
  assertClose(actual.pValue, ref.p, 1e-6, `${what} p`);
  assertClose(actual.ciLow, ref.ciLow, 1e-6, `${what} CI low`);
  assertClose(actual.ciHigh, ref.ciHigh, 1e-6, `${what} CI high`);
  assertClose(actual.relativeLift, ref.lift, 1e-9, `${what} lift`);
  assertClose(actual.relativeCiLow, ref.liftLow, 1e-6, `${what} lift CI low`);
  assertClose(actual.relativeCiHigh, ref.liftHigh, 1e-6, `${what} lift CI high`);
}

const CHECKOUT_FLOW = `apiVersion: sluice.dev/v1
kind: Experiment
metadata: { name: checkout-flow }
spec:
  variants:
    - { name: control, weight: 40, flag: checkout-flow, variation: classic }
    - { name: b, weight: 30, flag: checkout-flow, variation: one-page }
    - { name: c, weight: 30, flag: checkout-flow, variation: express }
  control: control
  primary: { name: purchase, event: checkout, kind: conversion, direction: increase, minimumDetectableEffect: 0.5 }
  guardrails:
    - { name: order-value, event: checkout, kind: mean, direction: increase }
    - { name: latency, event: page-load, kind: mean, direction: decrease, maxDegradation: 0.05 }
  minSamplesPerVariant: 100
---
apiVersion: sluice.dev/v1
kind: Experiment
metadata: { name: signup-form }
spec:
  variants:
    - { name: control, weight: 50, flag: signup-form, variation: long }
    - { name: short, weight: 50, flag: signup-form, variation: short }
  control: control
  primary: { name: signup, event: signup, kind: conversion, direction: increase, minimumDetectableEffect: 0.5 }
`;

const SHOP_EXPERIMENT = `---
apiVersion: sluice.dev/v1
kind: Experiment
metadata: { name: shop-v2-test }
spec:
  service: shop
  variants:
    - { name: control, weight: 70, version: v1 }
    - { name: treatment, weight: 30, version: v2 }
  control: control
  primary: { name: purchase, event: checkout, kind: conversion, direction: increase }
`;

/** Allocation order (treatments, then the control), as the test computes it on its own. */
const FLOW_ORDER = [['b', 30], ['c', 30], ['control', 40]] as const;

async function reportJson(url: string, name: string): Promise<ExperimentReport> {
  const run = await sluice(url, ['experiment', 'report', name, '-o', 'json']);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as ExperimentReport;
}

describe('experiments end to end (API events → store → report; proxy assignment)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;

  before(async () => {
    dir = await tempDir('sluice-experiment-');
    server = await startServer(`${dir.path}/data`);
    const file = await writeSpec(dir.path, 'experiments.yaml', CHECKOUT_FLOW);
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  test('seeded synthetic events: the report matches the independent reference to 1e-6', async (t) => {
    const truth = { control: { conversion: 0.1, orderValue: 50, latencyMs: 200 }, b: { conversion: 0.1, orderValue: 50, latencyMs: 200 }, c: { conversion: 0.15, orderValue: 50, latencyMs: 200 } };
    const { events, raw } = synthesize({ experiment: 'checkout-flow', ordered: FLOW_ORDER, truth, users: 6000, seed: 20_260_101, conversionEvent: 'checkout', latencyEvent: 'page-load' });
    await postEvents(server.url, events);
    const report = await reportJson(server.url, 'checkout-flow');
    const [c, b, cc] = [raw['control'], raw['b'], raw['c']] as [RawVariant, RawVariant, RawVariant];
    t.diagnostic(`${events.length} events; users control ${c.users}, b ${b.users}, c ${cc.users}; buyers ${c.converters}, ${b.converters}, ${cc.converters}`);
    assert.deepEqual(report.variants.map((v) => [v.name, v.exposures]), [['control', c.users], ['b', b.users], ['c', cc.users]]);
    const purchase = { b: refTwoProportion(c.converters, c.users, b.converters, b.users), c: refTwoProportion(c.converters, c.users, cc.converters, cc.users) };
    assertRowMatches(row(report, 'purchase', 'b'), purchase.b, b.users, 'purchase b');
    assertRowMatches(row(report, 'purchase', 'c'), purchase.c, cc.users, 'purchase c');
    assertClose(row(report, 'purchase', 'control').value, c.converters / c.users, 1e-12, 'control rate');
    const holm = refHolm([purchase.b.p, purchase.c.p]);
    assertClose(row(report, 'purchase', 'b').adjustedPValue, holm[0] ?? NaN, 1e-6, 'Holm b');
    assertClose(row(report, 'purchase', 'c').adjustedPValue, holm[1] ?? NaN, 1e-6, 'Holm c');
    for (const [variant, data] of [['b', b], ['c', cc]] as const) {
      assertRowMatches(row(report, 'order-value', variant), refWelch(c.orderValues, data.orderValues), data.orderValues.length, `order-value ${variant}`);
      assertRowMatches(row(report, 'latency', variant), refWelch(c.latencies, data.latencies), data.latencies.length, `latency ${variant}`);
    }
    // SRM: 40/30/30 of the users counted; χ² with 2 df has the closed form e^(−χ²/2).
    const total = c.users + b.users + cc.users;
    const chi2 = [[c.users, 0.4], [b.users, 0.3], [cc.users, 0.3]].reduce((s, [o = 0, w = 0]) => s + (o - total * w) ** 2 / (total * w), 0);
    assertClose(report.srm.chi2, chi2, 1e-9, 'χ²');
    assertClose(report.srm.p, refChiSquareUpper(chi2, 2), 1e-8, 'SRM p');
    assert.equal(report.srm.flagged, false);
    // The decision from the reference: c significantly better after Holm, b's lift interval inside ±50 %, latency not breached.
    assert.ok((holm[1] ?? 1) < 0.05 && purchase.c.diff > 0 && (holm[0] ?? 0) >= 0.05 && purchase.b.liftLow > -0.5 && purchase.b.liftHigh < 0.5);
    assert.deepEqual([report.result, report.winner], ['winner', 'c']);
    const text = await sluice(server.url, ['experiment', 'report', 'checkout-flow']);
    assert.match(text.stdout, /^Phase: Running\. Users: \d+\.\nExperiment checkout-flow: winner: c$/m);
  });

  test('SRM: exposures skewed against the allocation make the report inconclusive with the SRM reason', async () => {
    const truth = { control: { conversion: 0.2, orderValue: 1, latencyMs: 1 }, short: { conversion: 0.3, orderValue: 1, latencyMs: 1 } };
    const ordered = [['short', 50], ['control', 50]] as const;
    const { events, raw } = synthesize({ experiment: 'signup-form', ordered, truth, users: 4000, seed: 7, lose: { short: 0.2 }, conversionEvent: 'signup' });
    await postEvents(server.url, events);
    const report = await reportJson(server.url, 'signup-form');
    const [c, s] = [raw['control'], raw['short']] as [RawVariant, RawVariant];
    const total = c.users + s.users;
    const chi2 = ((c.users - total / 2) ** 2 + (s.users - total / 2) ** 2) / (total / 2);
    assertClose(report.srm.chi2, chi2, 1e-9, 'χ²');
    assertClose(report.srm.p, refChiSquareUpper(chi2, 1), 1e-8, 'SRM p (erfc(√(χ²/2)))');
    assert.ok(refChiSquareUpper(chi2, 1) < 0.001, `the loss is large enough to flag: p = ${refChiSquareUpper(chi2, 1)}`);
    assert.equal(report.srm.flagged, true);
    assertRowMatches(row(report, 'signup', 'short'), refTwoProportion(c.converters, c.users, s.converters, s.users), s.users, 'signup short');
    assert.equal(report.result, 'inconclusive');
    assert.equal(report.reasons[0]?.code, 'srm');
    const text = await sluice(server.url, ['experiment', 'report', 'signup-form']);
    assert.match(text.stdout, /Experiment signup-form: inconclusive\n {2}- srm: sample ratio mismatch/);
    assert.match(text.stdout, /MISMATCH \(p < 0\.001\)/);
    const promote = await sluice(server.url, ['experiment', 'promote', 'signup-form']);
    assert.equal(promote.code, 1);
    assert.match(promote.stderr, /has no winner to promote \(result: inconclusive/);
  });

  test('a two-version experiment: each user reaches the version assignVariant predicts; promote makes it stable', async (t) => {
    const file = await writeSpec(dir.path, 'shop.yaml', demoServiceYaml() + SHOP_EXPERIMENT);
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    const service = await waitFor('the proxy to serve the experiment split', async () => {
      const s = await getJson(`${server.url}/api/v1/services/shop`);
      return s.traffic?.canary === 'v2' && s.traffic.weight === 30 && s.traffic.salt === 'shop-v2-test' ? s : undefined;
    }, 30_000);
    const users = Array.from({ length: 400 }, (_, i) => `shopper-${i}`);
    const served = await versionsOf(service.traffic.address, users);
    const order = [['treatment', 30], ['control', 70]] as const;
    const expected = new Map(users.map((u) => [u, oracleVariant('shop-v2-test', order, u) === 'treatment' ? 'v2' : 'v1']));
    assert.deepEqual(users.filter((u) => served.get(u) !== expected.get(u)), [], 'users served another version than assigned');
    const onV2 = users.filter((u) => served.get(u) === 'v2').length;
    t.diagnostic(`${onV2} of 400 users on v2 (30 % allocated)`);
    assert.ok(onV2 > 80 && onV2 < 160, `${onV2} of 400 on v2`);
    const view = await getJson(`${server.url}/api/v1/experiments/shop-v2-test`);
    assert.deepEqual(view.allocation.map((a: { variant: string; to: number }) => [a.variant, a.to]), [['treatment', 3000], ['control', 10_000]]);
    const listed = await sluice(server.url, ['get', 'experiments']);
    assert.match(listed.stdout, /^shop-v2-test\s+shop\s+Running\s+control 70% \/ treatment 30%/m);
    const promoted = await sluice(server.url, ['experiment', 'promote', 'shop-v2-test', '--variant', 'treatment', '--force']);
    assert.equal(promoted.code, 0, promoted.stderr);
    await waitFor('everyone on v2', async () => {
      const s = await getJson(`${server.url}/api/v1/services/shop`);
      return s.status.stable === 'v2' && s.traffic?.stable === 'v2' && (s.traffic.canary === undefined || s.traffic.weight === 0) ? true : undefined;
    }, 30_000);
    const after = await versionsOf(service.traffic.address, users.slice(0, 100));
    assert.deepEqual([...new Set(after.values())], ['v2']);
    const history = await sluice(server.url, ['history', 'shop']);
    assert.match(history.stdout, /^\*\s+2\s+v2\s+.*experiment\/shop-v2-test\s+promoted/m);
  });
});
