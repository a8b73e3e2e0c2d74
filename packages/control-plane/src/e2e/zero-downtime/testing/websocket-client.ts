// A minimal RFC 6455 client over node:http's Upgrade (the repository has no `ws` dependency):
// unfragmented text frames, masked as a client must, close and ping handled.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** How a WebSocket ended: `clean` when the server sent a close frame before the connection closed. */
export interface WsClose {
  readonly clean: boolean;
  readonly code?: number;
  readonly reason: string;
}

export interface WsConnection {
  /** The 101 response's headers (x-sluice-version, x-app). */
  readonly headers: IncomingHttpHeaders;
  send(text: string): void;
  onMessage(listener: (text: string) => void): void;
  onClose(listener: (close: WsClose) => void): void;
  /** Sends close 1000 and ends the connection. */
  close(): void;
}

/** Opens a WebSocket to http://host:port/path; rejects unless the server switches protocols with the right accept key. */
export function openWebSocket(host: string, port: number, path: string, headers: Record<string, string> = {}): Promise<WsConnection> {
  const key = randomBytes(16).toString('base64');
  const expected = createHash('sha1').update(key + GUID).digest('base64');
  return new Promise((resolve, reject) => {
    const req = request({
      host, port, path, agent: false,
      headers: { ...headers, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': key, 'sec-websocket-version': '13' },
    });
    req.setTimeout(10_000, () => req.destroy(new Error('WebSocket handshake timed out')));
    req.once('error', reject);
    req.once('response', (res) => {
      res.resume();
      reject(new Error(`WebSocket handshake answered ${res.statusCode ?? '?'} instead of 101`));
    });
    req.once('upgrade', (res, socket: Socket, head: Buffer) => {
      if (res.headers['sec-websocket-accept'] !== expected) {
        socket.destroy();
        reject(new Error('WebSocket handshake: wrong Sec-WebSocket-Accept'));
        return;
      }
      resolve(connection(socket, head, res.headers));
    });
    req.end();
  });
}

function connection(socket: Socket, head: Buffer, headers: IncomingHttpHeaders): WsConnection {
  const messages: ((text: string) => void)[] = [];
  const closes: ((close: WsClose) => void)[] = [];
  let serverClose: { code?: number; reason: string } | undefined;
  let ended = false;
  let pending = head;
  socket.setNoDelay(true);
  const finish = (why: string): void => {
    if (ended) return;
    ended = true;
    const close: WsClose = serverClose === undefined ? { clean: false, reason: why } : { clean: true, ...serverClose };
    for (const listener of closes) listener(close);
  };
  const onFrame = (opcode: number, payload: Buffer): void => {
    if (opcode === 0x1) for (const listener of messages) listener(payload.toString('utf8'));
    else if (opcode === 0x9) socket.write(encodeFrame(0xa, payload));
    else if (opcode === 0x8) {
      serverClose = payload.length >= 2 ? { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8') } : { reason: '' };
      socket.end(encodeFrame(0x8, payload.subarray(0, 2)));
    }
  };
  socket.on('data', (chunk: Buffer) => (pending = decodeFrames(Buffer.concat([pending, chunk]), onFrame)));
  socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
  socket.on('close', () => finish('connection closed without a close frame'));
  if (pending.length > 0) pending = decodeFrames(pending, onFrame);
  return {
    headers,
    send: (text) => {
      if (!ended && socket.writable) socket.write(encodeFrame(0x1, Buffer.from(text, 'utf8')));
    },
    onMessage: (listener) => void messages.push(listener),
    onClose: (listener) => void closes.push(listener),
    close: () => {
      if (ended) return;
      serverClose ??= { code: 1000, reason: 'client closed' };
      const body = Buffer.alloc(2);
      body.writeUInt16BE(1000, 0);
      socket.end(encodeFrame(0x8, body));
      setTimeout(() => socket.destroy(), 1_000).unref();
    },
  };
}

/** A masked client frame. */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n]) : Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 255]);
  const mask = randomBytes(4);
  const body = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) body[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([head, mask, body]);
}

/** Calls `onFrame` for every complete (unmasked, server) frame at the start of `buffer`; returns the rest. */
export function decodeFrames(buffer: Buffer, onFrame: (opcode: number, payload: Buffer) => void): Buffer {
  let rest = buffer;
  for (;;) {
    if (rest.length < 2) return rest;
    const opcode = rest[0]! & 0x0f;
    let length = rest[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (rest.length < 4) return rest;
      length = rest.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (rest.length < 10) return rest;
      length = Number(rest.readBigUInt64BE(2));
      offset = 10;
    }
    if (rest.length < offset + length) return rest;
    onFrame(opcode, rest.subarray(offset, offset + length));
    rest = rest.subarray(offset + length);
  }
}
