import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main.js';
import { captureIo } from '../testing/capture-io.js';
import { errorAnswer, startFakeApi, type FakeApi } from '../testing/fake-api.js';
import { closedPortUrl } from '../testing/run-cli.js';

const SERVICE = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:8080
  versions:
    v1: { upstreams: [http://127.0.0.1:9101] }
    v2: { upstreams: [http://127.0.0.1:9102] }
  stable: v1
`;
const ROLLOUT = `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    canary:
      steps:
        - setWeight: 20
        - setWeight: 150
`;

let api: FakeApi;
let dir: string;
let deadUrl: string;

before(async () => {
  api = await startFakeApi();
  dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
  await writeFile(join(dir, 'shop.yaml'), SERVICE);
  await writeFile(join(dir, 'rollout.yaml'), ROLLOUT.replace('150', '50'));
  await writeFile(join(dir, 'bad.yaml'), ROLLOUT);
  await writeFile(join(dir, 'huge.yaml'), `# ${'x'.repeat(1024 * 1024)}\n`);
  deadUrl = await closedPortUrl();
});
after(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  api.requests.length = 0;
});

function run(args: string[], options: { url?: string; stdin?: string } = {}) {
  const io = captureIo({
    env: { SLUICE_URL: options.url ?? api.url, SLUICE_ACTOR: 'alice' },
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
  return main(['node', 'sluice', ...args], io).then((code) => ({ code, out: io.out(), err: io.err() }));
}

describe('sluice apply', () => {
  test('apply sends one file as YAML with its name and actor and prints kubectl-style results', async () => {
    const file = join(dir, 'shop.yaml');
    const { code, out, err } = await run(['apply', '-f', file]);
    assert.equal(err, '');
    assert.equal(code, 0);
    assert.equal(out, 'service/shop created\n');
    const [request] = api.requests;
    assert.equal(request?.url, '/api/v1/apply');
    assert.equal(request?.headers['content-type'], 'application/yaml');
    assert.equal(request?.headers['x-sluice-filename'], file);
    assert.equal(request?.headers['x-sluice-actor'], 'alice');
    assert.equal(request?.body, SERVICE);
  });

  test('apply sends several files in one JSON request so they apply all or nothing', async () => {
    const files = [join(dir, 'shop.yaml'), join(dir, 'rollout.yaml')];
    const { code, out } = await run(['apply', '-f', files[0] ?? '', '-f', files[1] ?? '', '--dry-run']);
    assert.equal(code, 0);
    assert.equal(out, 'service/shop created (dry run)\nrollout/shop-v2 created (dry run)\n');
    assert.equal(api.requests.length, 1);
    const [request] = api.requests;
    assert.equal(request?.url, '/api/v1/apply?dryRun=true');
    assert.equal(request?.headers['content-type'], 'application/json');
    const body = JSON.parse(request?.body ?? '') as { files: { name: string; text: string }[] };
    assert.deepEqual(body.files.map((f) => f.name), files);
    assert.equal(body.files[0]?.text, SERVICE);
  });

  test('apply reads - from stdin and names it <stdin>', async () => {
    const { code } = await run(['apply', '-f', '-'], { stdin: SERVICE });
    assert.equal(code, 0);
    assert.equal(api.requests[0]?.headers['x-sluice-filename'], '<stdin>');
    assert.equal(api.requests[0]?.body, SERVICE);
  });

  test('apply prints each INVALID_SPEC problem as file:line:col and exits 2', async () => {
    const problem = {
      file: 'bad.yaml', line: 11, col: 22, path: 'spec.strategy.canary.steps[1].setWeight',
      message: 'weight out of range', found: '150', expected: 'a number from 0 to 100',
    };
    const saved = api.state.apply;
    api.state.apply = () => errorAnswer(400, 'INVALID_SPEC', '1 problem in bad.yaml', { problems: [problem] });
    try {
      const { code, out, err } = await run(['apply', '-f', join(dir, 'bad.yaml')]);
      assert.equal(code, 2);
      assert.equal(out, '');
      assert.equal(
        err,
        'bad.yaml:11:22: spec.strategy.canary.steps[1].setWeight: weight out of range (found 150; expected a number from 0 to 100)\n' +
          'error: 1 problem in bad.yaml\n',
      );
    } finally {
      api.state.apply = saved;
    }
  });

  test('apply exits 1 when the server refuses the change with a conflict', async () => {
    const saved = api.state.apply;
    api.state.apply = () => errorAnswer(409, 'CONFLICT', 'service "shop" already has an active rollout (shop-v1)');
    try {
      const { code, err } = await run(['apply', '-f', join(dir, 'rollout.yaml')]);
      assert.equal(code, 1);
      assert.equal(err, 'error: service "shop" already has an active rollout (shop-v1)\n');
    } finally {
      api.state.apply = saved;
    }
  });

  test('apply exits 2 without calling the server for a missing file', async () => {
    const { code, err } = await run(['apply', '-f', join(dir, 'nope.yaml')]);
    assert.equal(code, 2);
    assert.equal(err, `error: cannot read ${join(dir, 'nope.yaml')}: no such file\n`);
    assert.equal(api.requests.length, 0);
  });

  test('apply exits 2 without calling the server for a file over 1 MiB', async () => {
    const { code, err } = await run(['apply', '-f', join(dir, 'huge.yaml')]);
    assert.equal(code, 2);
    assert.match(err, /huge\.yaml is 1\.0 MiB: a spec file may be at most 1 MiB/);
    assert.equal(api.requests.length, 0);
  });

  test('apply without -f is a usage error', async () => {
    const { code, err } = await run(['apply']);
    assert.equal(code, 2);
    assert.match(err, /required option '-f, --filename <file\.\.\.>' not specified/);
  });
});

describe('sluice validate', () => {
  test('validate catches a bad weight offline with its position and exits 2', async () => {
    const { code, out, err } = await run(['validate', '-f', join(dir, 'bad.yaml')], { url: deadUrl });
    assert.equal(code, 2);
    assert.equal(out, '');
    assert.match(err, /bad\.yaml:11:22: spec\.strategy\.canary\.steps\[1\]\.setWeight: weight out of range \(found 150/);
  });

  test('validate passes offline with a note when the control plane is unreachable', async () => {
    const { code, out, err } = await run(['validate', '-f', join(dir, 'shop.yaml'), '-f', join(dir, 'rollout.yaml')], { url: deadUrl });
    assert.equal(code, 0);
    assert.equal(out, `${join(dir, 'shop.yaml')}: 1 resource valid\n${join(dir, 'rollout.yaml')}: 1 resource valid\n`);
    assert.equal(err, `note: checked syntax and schema only: control plane not reachable at ${deadUrl}\n`);
  });

  test('validate asks a reachable server for a dry run and reports its reference problems', async () => {
    const saved = api.state.apply;
    const problem = { file: 'rollout.yaml', line: 5, col: 12, path: 'spec.service', message: 'service "shop" does not exist' };
    api.state.apply = () => errorAnswer(400, 'UNKNOWN_REFERENCE', '1 unknown reference', { problems: [problem] });
    try {
      const { code, out, err } = await run(['validate', '-f', join(dir, 'rollout.yaml')]);
      assert.equal(api.requests[0]?.url, '/api/v1/apply?dryRun=true');
      assert.equal(code, 2);
      assert.equal(out, '');
      assert.match(err, /^rollout\.yaml:5:12: spec\.service: service "shop" does not exist$/m);
    } finally {
      api.state.apply = saved;
    }
  });

  test('validate reports valid files after a passing server dry run', async () => {
    const { code, out, err } = await run(['validate', '-f', join(dir, 'shop.yaml')]);
    assert.equal(code, 0);
    assert.equal(err, '');
    assert.equal(out, `${join(dir, 'shop.yaml')}: 1 resource valid\n`);
    assert.equal(api.requests[0]?.url, '/api/v1/apply?dryRun=true');
  });
});
