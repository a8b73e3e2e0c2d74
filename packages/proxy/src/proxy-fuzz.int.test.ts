import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RouteSpec } from '@sluice/domain';
import { FuzzRandom, fuzzSettings } from '@sluice/domain/testing/fuzz-random';
import { BuiltinProxy } from './builtin-proxy.js';
import { rawExchange, splitAddress, startCountingUpstream } from './testing/http-fixtures.js';
import type { CountingUpstream } from './testing/http-fixtures.js';
import { rawInput, SMUGGLED_PATH } from './testing/raw-requests.js';
import type { RawInput } from './testing/raw-requests.js';

const { seed, n } = fuzzSettings(process.env, { seed: 8_080, n: 10_000 });
const CONCURRENCY = 16;
/** How long a connection may stay quiet before the fuzzer drops it (a partial request the proxy still waits for). */
const QUIET_MS = 200;
/** Statuses the proxy may answer to input it refuses (501: a coding it does not do; 505: an HTTP version). */
const REFUSALS = new Set([400, 408, 413, 414, 431, 501, 505]);

interface Outcome {
  readonly bytes: string;
  readonly closedByServer: boolean;
}

/** Sends the parts (pausing between them) and collects the answer until the proxy closes or the connection is quiet. */
function exchange(address: string, input: RawInput): Promise<Outcome> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    const chunks: Buffer[] = [];
    let closedByServer = false;
    let quiet: NodeJS.Timeout | undefined;
    const rearm = (): void => {
      clearTimeout(quiet);
      quiet = setTimeout(() => socket.destroy(), QUIET_MS);
    };
    socket.on('data', (c: Buffer) => (chunks.push(c), rearm()));
    socket.on('end', () => (closedByServer = true));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? (closedByServer = true) : reject(e)));
    socket.on('close', () => (clearTimeout(quiet), resolve({ bytes: Buffer.concat(chunks).toString('latin1'), closedByServer })));
    void (async () => {
      for (const [i, part] of input.parts.entries()) {
        if (i > 0) await new Promise((r) => setTimeout(r, input.pauseMs));
        if (socket.destroyed) return;
        socket.write(part);
      }
      rearm();
    })();
  });
}

/** The statuses of every response in `bytes` (heads and bodies walked by Content-Length), or a reason they are not HTTP. */
function statuses(bytes: string): number[] | string {
  const found: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at);
    const head = bytes.slice(at, end === -1 ? undefined : end);
    const m = /^HTTP\/1\.1 (\d{3}) [^\r\n]*/.exec(head);
    if (!m) return `not an HTTP/1.1 response at byte ${at}: ${JSON.stringify(bytes.slice(at, at + 80))}`;
    found.push(Number(m[1]));
    if (end === -1) return found; // cut short by the fuzzer's quiet limit
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      // Bodies here are small: skip to the last chunk.
      const last = bytes.indexOf('0\r\n\r\n', end + 4);
      at = last === -1 ? bytes.length : last + 5;
    } else at = end + 4 + (length ? Number(length[1]) : 0);
  }
  return found;
}

function problemWith(input: RawInput, out: Outcome): string | undefined {
  const found = statuses(out.bytes);
  if (typeof found === 'string') return found;
  for (const status of found) {
    if (status >= 500 && !REFUSALS.has(status)) return `answered ${status}`;
    if (input.kind === 'valid' && status !== 200) return `a well-formed request answered ${status}`;
    if ((input.kind === 'smuggling' || input.kind === 'huge-head') && status < 400) return `an input the proxy must refuse answered ${status}`;
  }
  if (input.kind === 'valid' && found.length === 0) return 'no answer to a well-formed request';
  return undefined;
}

describe('BuiltinProxy under fuzzed raw HTTP/1.1', () => {
  let upstream: CountingUpstream;
  let proxy: BuiltinProxy;
  let address: string;
  const seenPaths: string[] = [];

  before(async () => {
    upstream = await startCountingUpstream((req, res) => {
      seenPaths.push(req.url ?? '');
      req.on('end', () => res.end('ok')).resume();
    });
    proxy = new BuiltinProxy();
    const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { header: 'x-user-id', cookie: 's' }, backends: { v1: [upstream.url] } };
    await proxy.upsert(route, { stable: 'v1', weight: 0, salt: 's' });
    address = proxy.observe('shop').address ?? '';
  });
  after(async () => {
    await proxy.close();
    await upstream.close();
  });

  test('the checks catch what they are for', () => {
    const valid: RawInput = { kind: 'valid', parts: [], pauseMs: 0 };
    assert.match(problemWith(valid, { bytes: 'HTTP/1.1 502 Bad Gateway\r\n\r\n', closedByServer: true }) ?? '', /answered 502/);
    assert.match(problemWith(valid, { bytes: 'garbage', closedByServer: true }) ?? '', /not an HTTP/);
    assert.match(problemWith({ ...valid, kind: 'smuggling' }, { bytes: 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n', closedByServer: true }) ?? '', /must refuse/);
    assert.deepEqual(statuses('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nHTTP/1.1 431 Big\r\n\r\n'), [200, 400, 431]);
  });

  test(`every fuzzed connection gets HTTP answers or a close, and nothing smuggled reaches the backend (seed ${seed}, ${n} inputs)`, async () => {
    console.log(`proxy fuzz: seed ${seed} (SLUICE_FUZZ_SEED), ${n} inputs (SLUICE_FUZZ_N)`);
    const rng = new FuzzRandom(seed);
    const kinds = new Map<string, number>();
    const answered = new Map<number, number>();
    const failures: string[] = [];
    let next = 0;
    let closedWithoutAnswer = 0;
    const started = performance.now();
    const worker = async (): Promise<void> => {
      while (next < n && failures.length < 5) {
        const index = next++;
        const input = rawInput(rng);
        kinds.set(input.kind, (kinds.get(input.kind) ?? 0) + 1);
        const out = await exchange(address, input);
        const found = statuses(out.bytes);
        if (Array.isArray(found)) for (const s of found) answered.set(s, (answered.get(s) ?? 0) + 1);
        if (out.bytes === '') closedWithoutAnswer++;
        const problem = problemWith(input, out);
        if (problem) failures.push(`input #${index} (${input.kind}): ${problem}\n  sent ${JSON.stringify(Buffer.concat(input.parts).toString('latin1').slice(0, 400))}\n  got ${JSON.stringify(out.bytes.slice(0, 400))}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    console.log(`proxy fuzz: ${n} inputs in ${seconds.toFixed(1)} s; kinds ${JSON.stringify(Object.fromEntries(kinds))}; answers ${JSON.stringify(Object.fromEntries([...answered].sort((a, b) => a[0] - b[0])))}; ${closedWithoutAnswer} connections closed or dropped without an answer; backend received ${upstream.requests} requests`);
    assert.deepEqual(failures, []);
    assert.deepEqual(seenPaths.filter((p) => p.startsWith(SMUGGLED_PATH)), [], 'a smuggled request reached the backend');
    if (n >= 1000) assert.ok((answered.get(200) ?? 0) > n / 10 && (answered.get(400) ?? 0) > n / 10, 'the fuzz reaches both forwarded and refused requests');
  });

  test('the proxy still serves a normal request after the fuzz', async () => {
    const before = upstream.requests;
    const res = await rawExchange(address, 'GET /after HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n');
    assert.equal(res.status, 200, res.raw);
    assert.equal(res.body, 'ok');
    assert.equal(upstream.requests, before + 1);
  });
});
