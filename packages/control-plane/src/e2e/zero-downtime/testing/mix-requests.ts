// The four kinds of request of the zero-downtime load, each checked end to end: status, who answered,
// and the body (exact text, an upload's length and SHA-256, a download's every byte).
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import type { Kind, Outcome } from './phase-stats.js';

export interface MixTarget {
  readonly host: string;
  readonly port: number;
  /** Keep-alive agent for keepAlive, upload and download requests. */
  readonly agent: Agent;
  readonly timeoutMs: number;
  /** How long an upload's body and a download's response are spread over. */
  readonly slowMs: number;
  readonly uploadBytes: number;
  readonly downloadBytes: number;
}

export interface Answer {
  readonly outcome: Outcome;
  readonly app?: string;
  readonly detail?: string;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const UPLOAD_CHUNKS = 8;
/** One block of random bytes every upload starts from; each upload stamps its id on the front. */
let uploadBase: Buffer | undefined;

/** Bytes 0, 1, …, 250, 0, 1, …: the download with seed s is the slice starting at s. */
let pattern: Buffer | undefined;
function patternOf(bytes: number): Buffer {
  if (pattern === undefined || pattern.length < bytes + 251) pattern = Buffer.from(Array.from({ length: bytes + 251 }, (_, i) => i % 251));
  return pattern;
}

/** Our own deadline: the request is destroyed with this error, and counted as a timeout. */
class DeadlineError extends Error {}

/** Classifies a socket error: reset (ECONNRESET, EPIPE, "socket hang up", "aborted"), timeout, or failed. */
export function classify(error: NodeJS.ErrnoException): Answer {
  if (error instanceof DeadlineError) return { outcome: 'timeout', detail: error.message };
  const code = error.code ?? '';
  if (RESET_CODES.has(code) || /socket hang up|aborted/.test(error.message)) return { outcome: 'reset', detail: `${code} ${error.message}`.trim() };
  return { outcome: 'failed', detail: `${code} ${error.message}`.trim() };
}

/**
 * Runs one exchange: `start` builds and sends the request, `read` consumes the response and returns
 * the verdict on its body (undefined when good). `done` is called exactly once.
 */
function exchange(
  target: MixTarget,
  start: () => ClientRequest,
  read: (res: IncomingMessage, app: string, finish: (answer: Answer) => void) => void,
  done: (answer: Answer) => void,
): ClientRequest {
  let finished = false;
  const finish = (answer: Answer): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    done(answer);
  };
  const req = start();
  const timer = setTimeout(() => req.destroy(new DeadlineError(`no complete answer within ${target.timeoutMs} ms`)), target.timeoutMs);
  req.on('error', (error: NodeJS.ErrnoException) => finish(classify(error)));
  req.on('response', (res) => {
    const app = String(res.headers['x-app'] ?? '');
    res.on('error', (error: NodeJS.ErrnoException) => finish({ ...classify(error), app }));
    res.on('close', () => {
      if (!res.complete) finish({ outcome: 'reset', app, detail: 'the response ended before its last byte' });
    });
    if (res.statusCode !== 200 || app === '') {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ outcome: 'failed', app, detail: `HTTP ${res.statusCode ?? '?'} ${Buffer.concat(chunks).toString('utf8').slice(0, 160)}` }));
      return;
    }
    read(res, app, finish);
  });
  return req;
}

function readText(res: IncomingMessage, then: (text: string) => void): void {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.on('end', () => then(text));
}

/** GET / on the keep-alive agent or on a connection of its own (`agent: false`: Connection: close). */
export function getRoot(target: MixTarget, kind: Kind, user: string, done: (answer: Answer) => void): void {
  const agent = kind === 'newConnection' ? false : target.agent;
  const req = exchange(
    target,
    () => request({ host: target.host, port: target.port, path: '/', agent, headers: { 'x-user-id': user } }),
    (res, app, finish) =>
      readText(res, (text) => {
        const expected = `${app.split('/').join(' ')}\n`;
        finish(text === expected ? { outcome: 'ok', app } : { outcome: 'failed', app, detail: `body ${JSON.stringify(text.slice(0, 80))} is not ${JSON.stringify(expected)}` });
      }),
    done,
  );
  req.end();
}

/** POST /upload: the body is written in 8 chunks spread over slowMs, chunked or with a Content-Length. */
export function upload(target: MixTarget, id: number, user: string, done: (answer: Answer) => void): void {
  uploadBase ??= Buffer.from(Array.from({ length: target.uploadBytes }, (_, i) => (i * 7919 + 13) & 255));
  const body = Buffer.from(uploadBase);
  body.writeUInt32BE(id >>> 0, 0);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const chunked = id % 2 === 0;
  const headers: Record<string, string | number> = { 'x-user-id': user, 'content-type': 'application/octet-stream' };
  if (!chunked) headers['content-length'] = body.length;
  let timer: NodeJS.Timeout | undefined;
  const req = exchange(
    target,
    () => request({ host: target.host, port: target.port, method: 'POST', path: '/upload', agent: target.agent, headers }),
    (res, app, finish) =>
      readText(res, (text) => {
        let answer: { length?: number; sha256?: string } = {};
        try {
          answer = JSON.parse(text) as typeof answer;
        } catch {
          answer = {};
        }
        const good = answer.length === body.length && answer.sha256 === sha256;
        finish(good ? { outcome: 'ok', app } : { outcome: 'failed', app, detail: `upload of ${body.length} bytes answered ${text.slice(0, 120)}` });
      }),
    (answer) => {
      clearTimeout(timer);
      done(answer);
    },
  );
  const size = Math.ceil(body.length / UPLOAD_CHUNKS);
  let offset = 0;
  const next = (): void => {
    if (req.destroyed) return;
    const chunk = body.subarray(offset, offset + size);
    offset += chunk.length;
    if (offset >= body.length) req.end(chunk);
    else {
      req.write(chunk);
      timer = setTimeout(next, target.slowMs / UPLOAD_CHUNKS);
    }
  };
  next();
}

/** GET /download: the upstream streams downloadBytes over slowMs; every byte is checked. */
export function download(target: MixTarget, id: number, user: string, done: (answer: Answer) => void): void {
  const seed = id % 251;
  const path = `/download?ms=${target.slowMs}&bytes=${target.downloadBytes}&seed=${seed}`;
  const req = exchange(
    target,
    () => request({ host: target.host, port: target.port, path, agent: target.agent, headers: { 'x-user-id': user } }),
    (res, app, finish) => {
      const expected = patternOf(target.downloadBytes).subarray(seed, seed + target.downloadBytes);
      let received = 0;
      let wrongAt = -1;
      res.on('data', (chunk: Buffer) => {
        if (wrongAt < 0 && !chunk.equals(expected.subarray(received, received + chunk.length))) {
          wrongAt = received + chunk.findIndex((byte, i) => byte !== expected[received + i]);
        }
        received += chunk.length;
      });
      res.on('end', () => {
        if (received === target.downloadBytes && wrongAt < 0) finish({ outcome: 'ok', app });
        else finish({ outcome: 'failed', app, detail: wrongAt >= 0 ? `download: wrong byte at ${wrongAt}` : `download: ${received} of ${target.downloadBytes} bytes` });
      });
    },
    done,
  );
  req.end();
}
