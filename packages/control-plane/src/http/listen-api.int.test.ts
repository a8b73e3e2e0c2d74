import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { silentLogger } from '../platform/logger.js';
import { listenApi } from './listen-api.js';

let server: Awaited<ReturnType<typeof listenApi>>;
before(async () => {
  server = await listenApi(() => new Response('ok'), '127.0.0.1', 0, silentLogger);
});
after(() => new Promise<void>((r) => server.server.close(() => r())));

/** Sends raw bytes and reads the whole answer (the server closes the connection). */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.end(bytes));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

function bodyOf(answer: string): { error: { code: string; message: string } } {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } };
}

test('a request line Node cannot parse gets a JSON 400 INVALID_REQUEST and the connection closes', async () => {
  const answer = await raw('GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 400 /);
  assert.match(answer, /content-type: application\/json/i);
  assert.match(answer, /connection: close/i);
  assert.equal(bodyOf(answer).error.code, 'INVALID_REQUEST');
});

test('a request head over 16 KiB gets a JSON 431 PAYLOAD_TOO_LARGE naming the limit', async () => {
  const answer = await raw(`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.match(answer, /^HTTP\/1\.1 431 /);
  const body = bodyOf(answer);
  assert.equal(body.error.code, 'PAYLOAD_TOO_LARGE');
  assert.match(body.error.message, /16 KiB/);
});

test('a good request is still served', async () => {
  assert.equal(await (await fetch(`http://127.0.0.1:${server.port}/`)).text(), 'ok');
});
