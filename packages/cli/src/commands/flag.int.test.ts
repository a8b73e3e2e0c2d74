process.env['TZ'] = 'UTC';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '@sluice/domain';
import { startControlPlane, type RunningControlPlane } from '@sluice/control-plane';
import { T0 } from '../testing/fixtures.js';
import { runCli } from '../testing/run-cli.js';

const DAY = 24 * 60 * 60 * 1000;
const FLAGS = `apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: new-checkout }
spec:
  kind: release
  type: string
  description: The new checkout page
  owner: team-payments
  variants:
    - { name: blue, value: b, weight: 50 }
    - { name: green, value: g, weight: 50 }
  environments:
    development: { enabled: true }
    production:
      enabled: false
      overrides: [{ values: [u-vip], variant: blue }]
      rules:
        - name: pros
          constraints: [{ contextName: plan, operator: IN, values: [pro, team] }]
          rollout: 100
      default: { rollout: 0 }
---
apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: old-banner }
spec:
  kind: operational
  environments:
    production: { enabled: true, default: { rollout: 100 } }
`;

const clock = new ManualClock(T0);
let server: RunningControlPlane;
let dir: string;
const run = (...args: string[]) => runCli(args, { url: server.url });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-cli-flags-'));
  await writeFile(join(dir, 'flags.yaml'), FLAGS);
  server = await startControlPlane({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', log: () => {}, clock });
  const applied = await run('apply', '-f', join(dir, 'flags.yaml'));
  assert.equal(applied.code, 0, applied.err);
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('sluice flag against a real control plane', () => {
  test('`sluice flags` lists every flag with its state per environment; -o json gives the views', async () => {
    const { code, out } = await run('flags');
    assert.equal(code, 0);
    assert.deepEqual(out.split('\n'), [
      'NAME          KIND         TYPE     DEVELOPMENT  PRODUCTION',
      'new-checkout  release      string   on 100%      off',
      'old-banner    operational  boolean  off          on 100%',
      '',
    ]);
    const listed = await run('flag', 'list', '-o', 'json');
    const parsed = (JSON.parse(listed.out) as { items: { name: string; environments: Record<string, { enabled: boolean }> }[] }).items;
    assert.deepEqual(parsed.map((f) => [f.name, f.environments['production']?.enabled]), [['new-checkout', false], ['old-banner', true]]);
    const viaGet = await run('get', 'flags');
    assert.equal(viaGet.out, out, '`sluice get flags` prints the same table');
  });

  test('get shows description, owner, variants, overrides, rules with constraints and the default rollout', async () => {
    const { code, out } = await run('flag', 'get', 'new-checkout');
    assert.equal(code, 0);
    const lines = out.split('\n');
    assert.ok(lines.includes('Description: The new checkout page'), out);
    assert.ok(lines.includes('Owner:       team-payments'), out);
    assert.ok(lines.includes('Variants:    blue 50% = "b", green 50% = "g"'), out);
    assert.deepEqual(lines.slice(lines.indexOf('Environments:')), [
      'Environments:',
      '  development: on',
      '    default: 100% of the rest (stickiness default)',
      '  production: off',
      '    override: userId in [u-vip] → on (variant blue)',
      '    rule pros: plan IN [pro, team] → 100%',
      '    default: 0% of the rest (stickiness default)',
      '',
    ]);
    const json = JSON.parse((await run('flag', 'get', 'new-checkout', '-o', 'json')).out) as { spec: { owner: string } };
    assert.equal(json.spec.owner, 'team-payments');
  });

  test('on, rollout and weights change one environment and say what it is now', async () => {
    const on = await run('flag', 'on', 'new-checkout', '--env', 'production', '--reason', 'go live');
    assert.equal(on.code, 0, on.err);
    assert.equal(on.out, 'flag new-checkout in production: on 0% (version 2)\n');
    const rollout = await run('flag', 'rollout', 'new-checkout', '12.5', '--env', 'production');
    assert.equal(rollout.out, 'flag new-checkout in production: on 12.5% (version 3)\n');
    const weights = await run('flag', 'weights', 'new-checkout', 'blue=30', 'green=70', '--env', 'production');
    assert.equal(weights.code, 0, weights.err);
    assert.equal(weights.out, 'flag new-checkout in production: on 12.5%, variants blue 30%, green 70% (version 4)\n');
    const off = await run('flag', 'off', 'new-checkout', '--env', 'development');
    assert.equal(off.out, 'flag new-checkout in development: off (version 5)\n');
    const listed = await run('flags');
    assert.match(listed.out, /^new-checkout\s+release\s+string\s+off\s+on 12\.5%$/m);
  });

  test('a rollout in an environment that is off notes that nobody gets the flag yet', async () => {
    const { code, out, err } = await run('flag', 'rollout', 'new-checkout', '40', '--env', 'development');
    assert.equal(code, 0);
    assert.equal(out, 'flag new-checkout in development: off (version 6)\n');
    assert.match(err, /^note: the flag is off in development, so nobody gets it yet: `sluice flag on new-checkout --env development` turns it on for 40%/);
  });

  test('eval prints enabled, variant, value and reason for a user or a context', async () => {
    const vip = await run('flag', 'eval', 'new-checkout', '--env', 'production', '--user', 'u-vip');
    assert.equal(vip.code, 0, vip.err);
    assert.deepEqual(vip.out.split('\n'), ['enabled: true', 'variant: blue', 'value:   b', 'reason:  TARGETING_MATCH', '']);
    const pro = await run('flag', 'eval', 'new-checkout', '--env', 'production', '--user', 'u2', '--context', '{"properties":{"plan":"pro"}}', '-o', 'json');
    const result = JSON.parse(pro.out) as { flag: string; environment: string; enabled: boolean; variant: { name: string } };
    assert.equal(result.enabled, true);
    assert.equal(result.flag, 'new-checkout');
    assert.ok(['blue', 'green'].includes(result.variant.name), result.variant.name);
    const dev = await run('flag', 'eval', 'new-checkout', '--env', 'development', '--user', 'u-vip');
    assert.match(dev.out, /^enabled: false$/m);
    assert.match(dev.out, /^reason:  DISABLED$/m);
  });

  test('kill turns every environment off and says which were on; history lists the versions newest first', async () => {
    await run('flag', 'on', 'new-checkout', '--env', 'development');
    const killed = await run('flag', 'kill', 'new-checkout', '--reason', 'incident 42');
    assert.equal(killed.code, 0, killed.err);
    assert.equal(killed.out, 'flag new-checkout killed: off in development, production (version 8)\n');
    const again = await run('flag', 'kill', 'new-checkout');
    assert.equal(again.out, 'flag new-checkout killed: it was already off in every environment (version 8)\n', 'an unchanged flag gets no new version');
    const history = await run('flag', 'history', 'new-checkout', '--limit', '3');
    assert.equal(history.code, 0);
    assert.deepEqual(history.out.split('\n'), [
      'VERSION  WHEN                 ACTOR  ROLLOUT  REASON',
      '8        2026-01-01 00:00:00  alice  -        incident 42',
      '7        2026-01-01 00:00:00  alice  -        set on',
      '6        2026-01-01 00:00:00  alice  -        set rollout 40%',
      '',
    ]);
    const full = JSON.parse((await run('flag', 'history', 'new-checkout', '-o', 'json')).out) as { items: { version: number; change: { reason: string } }[] };
    assert.deepEqual(full.items.map((r) => r.version), [8, 7, 6, 5, 4, 3, 2, 1]);
    assert.equal(full.items.find((r) => r.version === 2)?.change.reason, 'go live');
  });

  test('restore makes an earlier version current as a new version', async () => {
    const { code, out, err } = await run('flag', 'restore', 'new-checkout', '4', '--reason', 'incident over');
    assert.equal(code, 0, err);
    assert.equal(out, 'flag new-checkout restored to version 4: now version 9 (development on 100%, production on 12.5%)\n');
    const history = await run('flag', 'history', 'new-checkout', '--limit', '1');
    assert.match(history.out, /^9\s+\S+ \S+\s+alice\s+-\s+incident over$/m);
  });

  test('stale lists flags that have done their job, then each hint on its own line', async () => {
    const none = await run('flags', 'stale', '--unused-days', '60');
    assert.equal(none.code, 0);
    assert.equal(none.out, '');
    assert.equal(none.err, 'No stale flags (unused means not evaluated for 60 days).\n');
    clock.advance(8 * DAY);
    const { code, out } = await run('flags', 'stale', '--unused-days', '60');
    assert.equal(code, 0);
    const lines = out.split('\n');
    assert.deepEqual(lines.slice(0, 3), ['FLAG        KIND         WHY       UNCHANGED         LAST EVALUATED', 'old-banner  operational  fully-on  8d (expected 7d)  never', '']);
    assert.match(lines[3] ?? '', /^Fully rolled out: keep the code path for "old-banner" on/);
    const json = JSON.parse((await run('flag', 'stale', '--unused-days', '5', '-o', 'json')).out) as { unusedDays: number; items: { flag: string; reasons: string[] }[] };
    assert.equal(json.unusedDays, 5);
    assert.deepEqual(json.items.map((s) => [s.flag, s.reasons]).sort(), [['new-checkout', ['unused']], ['old-banner', ['fully-on', 'unused']]]);
  });

  test('a bad percent, bad weights or a missing --env are usage errors (exit 2) that change nothing', async () => {
    for (const bad of ['150', '-5', 'half', '12.345', '1e2']) {
      const { code, out, err } = await run('flag', 'rollout', 'new-checkout', bad, '--env', 'production');
      assert.equal(code, 2, bad);
      assert.equal(out, '', bad);
      assert.match(err, /is not a percent: expected a number from 0 to 100|is finer than 0\.01/, bad);
    }
    const sum = await run('flag', 'weights', 'new-checkout', 'blue=50', 'green=40', '--env', 'production');
    assert.equal(sum.code, 2);
    assert.match(sum.err, /the weights sum to 90: expected 100/);
    const syntax = await run('flag', 'weights', 'new-checkout', 'blue50', '--env', 'production');
    assert.equal(syntax.code, 2);
    assert.match(syntax.err, /"blue50" is not variant=percent: expected e\.g\. blue=50 green=50/);
    const noEnv = await run('flag', 'on', 'new-checkout');
    assert.equal(noEnv.code, 2);
    assert.match(noEnv.err, /required option '--env <environment>' not specified/);
    const badContext = await run('flag', 'eval', 'new-checkout', '--env', 'production', '--context', '{plan}');
    assert.equal(badContext.code, 2);
    assert.match(badContext.err, /not JSON/);
    const history = await run('flag', 'history', 'new-checkout', '--limit', '1');
    assert.match(history.out, /^9\s/m, 'no new version was made');
  });

  test('a change the server refuses exits 2 with its problems', async () => {
    const { code, out, err } = await run('flag', 'weights', 'new-checkout', 'red=100', '--env', 'production');
    assert.equal(code, 2, err);
    assert.equal(out, '');
    assert.match(err, /^error: /m);
    assert.match(err, /red/);
  });

  test('an unknown flag is a clear error with exit 1, whatever the command', async () => {
    for (const args of [['get', 'nope'], ['on', 'nope', '--env', 'production'], ['kill', 'nope'], ['history', 'nope'], ['restore', 'nope', '1']]) {
      const { code, out, err } = await run('flag', ...args);
      assert.equal(code, 1, args.join(' '));
      assert.equal(out, '', args.join(' '));
      assert.match(err, /^error: Flag "nope" does not exist$/m, args.join(' '));
    }
    const evaluated = await run('flag', 'eval', 'nope', '--env', 'production');
    assert.equal(evaluated.code, 1);
    assert.equal(evaluated.out, '');
    assert.match(evaluated.err, /^error: Flag "nope" does not exist in environment production$/m);
  });
});
