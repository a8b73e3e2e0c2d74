import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ErrorCode } from '@sluice/domain';
import { FuzzRandom, fuzzSettings } from '@sluice/domain/testing/fuzz-random';
import { STATUS_BY_CODE } from './error-response.js';
import { fuzzRequest, fuzzRoutes, type FuzzRequest } from './testing/api-fuzz-requests.js';
import { startTestApi, type TestApi } from './testing/api-server.js';

const repo = new URL('../../../../', import.meta.url);
const DEMOS = ['demo/shop.yaml', 'demo/flags.yaml'].map((f) => readFileSync(new URL(f, repo), 'utf8'));
const CODES = new Set<string>(Object.values(ErrorCode));
const { seed, n } = fuzzSettings(process.env, { seed: 7_070, n: 10_000 });
const CONCURRENCY = 8;
/** A request that takes longer is a hang. */
const REQUEST_TIMEOUT_MS = 15_000;

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly text: string;
  /** The server cut the connection (allowed only while the client was still sending a body over a limit). */
  readonly reset: boolean;
}

function send(api: TestApi, agent: http.Agent, req: FuzzRequest): Promise<Answer> {
  const { hostname, port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    // Node sends a DELETE or OPTIONS body without a length unless told: the server would read it as the next request.
    const headers = req.body === '' ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
    const r = http.request({ hostname, port, method: req.method, path: req.path, headers, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString(), reset: false }));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    r.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') resolve({ status: 0, type: '', text: '', reset: true });
      else reject(error);
    });
    r.end(req.body === '' ? undefined : req.body);
  });
}

/** Why an answer breaks the API's promises, or undefined. */
function problemWith(req: FuzzRequest, res: Answer): string | undefined {
  if (res.reset) return req.body.length > 16 * 1024 ? undefined : 'the connection was reset on a small request';
  if (res.status >= 500) return `answered ${res.status}: ${res.text.slice(0, 500)}`;
  if (res.status < 400 || req.method === 'HEAD') return undefined;
  if (!res.type.startsWith('application/json')) return `a ${res.status} that is not JSON (${res.type}): ${res.text.slice(0, 200)}`;
  let body: { error?: { code?: unknown; message?: unknown } };
  try {
    body = JSON.parse(res.text) as typeof body;
  } catch {
    return `a ${res.status} whose body is not JSON: ${res.text.slice(0, 200)}`;
  }
  const code = body.error?.code;
  if (typeof code !== 'string' || !CODES.has(code)) return `a ${res.status} without a catalog code: ${res.text.slice(0, 300)}`;
  if (typeof body.error?.message !== 'string' || body.error.message === '') return `a ${res.status} without a message`;
  // The Unleash client API answers a bad token 401 (what Unleash SDKs expect) with FORBIDDEN: docs/unleash.md.
  const unleash401 = res.status === 401 && code === 'FORBIDDEN' && req.path.startsWith('/api/client/');
  // A request head over 16 KiB is refused before routing with 431 (http/listen-api.ts), the status HTTP has for it.
  const headTooLarge = res.status === 431 && code === 'PAYLOAD_TOO_LARGE';
  if (STATUS_BY_CODE[code as ErrorCode] !== res.status && !unleash401 && !headTooLarge) return `${code} answered with ${res.status}, the catalog says ${STATUS_BY_CODE[code as ErrorCode]}`;
  return undefined;
}

/** A forced full collection: --expose-gc when given, else switched on for this process. */
function collect(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

describe('the API under fuzzed requests', () => {
  let api: TestApi;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  before(async () => {
    api = await startTestApi();
    for (const text of DEMOS) {
      const res = await fetch(`${api.url}/api/v1/apply`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: text });
      assert.equal(res.status, 200, await res.text());
    }
  });
  after(async () => {
    agent.destroy();
    await api.close();
  });

  test('the checks catch what they are for', () => {
    const req: FuzzRequest = { method: 'POST', path: '/x', headers: {}, body: '' };
    assert.match(problemWith(req, { status: 500, type: 'application/json', text: '{}', reset: false }) ?? '', /answered 500/);
    assert.match(problemWith(req, { status: 404, type: 'application/json', text: '{"error":{"code":"NOPE","message":"m"}}', reset: false }) ?? '', /catalog code/);
    assert.match(problemWith(req, { status: 400, type: 'application/json', text: '{"error":{"code":"NOT_FOUND","message":"m"}}', reset: false }) ?? '', /catalog says 404/);
    assert.equal(problemWith(req, { status: 404, type: 'application/json', text: '{"error":{"code":"NOT_FOUND","message":"m"}}', reset: false }), undefined);
  });

  test(`every route answers fuzzed requests below 500 with a catalog error (seed ${seed}, ${n} requests)`, async () => {
    const routes = fuzzRoutes();
    assert.ok(routes.length >= 45, `${routes.length} routes`);
    console.log(`api fuzz: seed ${seed} (SLUICE_FUZZ_SEED), ${n} requests (SLUICE_FUZZ_N) over ${routes.length} routes`);
    const gc = collect();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const rng = new FuzzRandom(seed);
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let next = 0;
    const started = performance.now();
    const worker = async (): Promise<void> => {
      while (next < n && failures.length < 5) {
        const index = next++;
        const req = fuzzRequest(rng, routes, DEMOS);
        const res = await send(api, agent, req);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const problem = problemWith(req, res);
        if (problem) failures.push(`request #${index} ${req.method} ${req.path.slice(0, 300)} ${JSON.stringify(req.headers).slice(0, 200)} body ${JSON.stringify(req.body.slice(0, 300))}: ${problem}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    gc();
    const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    console.log(`api fuzz: ${n} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; heap ${(heapBefore / 2 ** 20).toFixed(1)} MiB before, ${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(1)} MiB after`);
    assert.deepEqual(failures, []);
    assert.ok(growthMb < 64, `the heap grew by ${growthMb.toFixed(1)} MiB`);
    if (n >= 1000) assert.ok((statuses.get(200) ?? 0) > n / 20 && (statuses.get(400) ?? 0) > n / 10, 'the fuzz reaches both answers and rejections');
  });

  test('every resource still reads after the fuzz, and a rejected apply stored nothing of its first document', async () => {
    const rng = new FuzzRandom(seed + 1);
    for (let i = 0; i < 200; i++) {
      const name = `fuzz-segment-${i}`;
      const broken = DEMOS[0]!.replace(/^( *)(\w+):/m, (_, indent: string, key: string) => `${indent}${rng.pick([`${key}x`, `- ${key}`, `${key}: [`])}:`);
      const text = `apiVersion: sluice.dev/v1\nkind: Segment\nmetadata: { name: ${name} }\nspec: { match: [ { header: x-a, exact: "1" } ] }\n---\n${broken}`;
      const applied = await fetch(`${api.url}/api/v1/apply`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: text });
      assert.equal(applied.status, 400, await applied.text());
      assert.equal((await api.call(`/segments/${name}`)).status, 404, `${name} was stored by a rejected apply`);
    }
    assert.equal((await fetch(`${api.url}/healthz`)).status, 200);
    for (const [list, one] of [['services', 'services'], ['rollouts', 'rollouts'], ['flags', 'flags'], ['segments', 'segments'], ['experiments', 'experiments'], ['targets', 'targets'], ['analysistemplates', 'analysistemplates']] as const) {
      const res = await api.call(`/${list}`);
      assert.equal(res.status, 200, `${list}: ${JSON.stringify(res.body).slice(0, 300)}`);
      for (const item of res.body.items as { name: string }[]) {
        const got = await api.call(`/${one}/${encodeURIComponent(item.name)}`);
        assert.equal(got.status, 200, `${one}/${item.name}: ${JSON.stringify(got.body).slice(0, 300)}`);
      }
    }
    assert.equal((await api.call('/events?limit=10')).status, 200);
  });
});
