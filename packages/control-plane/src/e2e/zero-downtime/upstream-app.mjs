// The app the zero-downtime test and benchmark roll out: Sluice runs it as a `run` version (local
// processes). No dependencies. Every answer says who gave it (x-app: VERSION/GEN/INSTANCE).
//
//   PORT             port to listen on (Sluice sets it)
//   VERSION, GEN     what it reports; a new GEN is how a test changes the run spec (a rolling update)
//   SLUICE_INSTANCE  set by Sluice: the instance id (v2-0, v2-0.1, …)
//
//   GET  /healthz                 200 "ok" while serving, 503 once shutting down (the readiness path)
//   GET  /                        "VERSION GEN INSTANCE\n"
//   POST /upload                  reads the body (chunked or with a length): {"length","sha256","app"}
//   GET  /download?ms=&bytes=&seed=  streams `bytes` bytes over `ms` ms; byte i is (seed + i) % 251
//   GET  /ws (Upgrade: websocket) echoes every text frame; on shutdown sends close 1001 (going away)
//
// SIGTERM: stop accepting, answer the requests in flight (with `Connection: close`), close idle
// keep-alive connections, say going-away to WebSockets, exit 0 when nothing is left (or 1 after 15 s).
// With SHUTDOWN=abrupt it exits at once instead, as an app without a SIGTERM handler would
// (`npm run bench:zero-downtime -- --abrupt`): then only Sluice's order — out of the proxy's table,
// drained, then SIGTERM — keeps requests from failing.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HARD_EXIT_MS = 15_000;
const version = process.env.VERSION || 'dev';
const gen = process.env.GEN || '1';
const instance = process.env.SLUICE_INSTANCE || `pid-${process.pid}`;
const app = `${version}/${gen}/${instance}`;
const port = Number(process.env.PORT || 0);

let shuttingDown = false;
const websockets = new Set();

function headers(extra) {
  return { 'x-app': app, ...(shuttingDown ? { connection: 'close' } : {}), ...extra };
}

function send(res, status, type, body) {
  res.writeHead(status, headers({ 'content-type': type, 'content-length': Buffer.byteLength(body) }));
  res.end(body);
}

function upload(req, res) {
  const hash = createHash('sha256');
  let length = 0;
  req.on('data', (chunk) => {
    length += chunk.length;
    hash.update(chunk);
  });
  req.on('end', () => send(res, 200, 'application/json', JSON.stringify({ length, sha256: hash.digest('hex'), app })));
  req.on('error', () => res.destroy());
}

function download(url, res) {
  const ms = clamp(Number(url.searchParams.get('ms')), 0, 10_000);
  const bytes = clamp(Number(url.searchParams.get('bytes')), 1, 16 * 1024 * 1024);
  const seed = clamp(Number(url.searchParams.get('seed')), 0, 250);
  const chunks = Math.max(1, Math.min(30, Math.ceil(ms / 150)));
  const size = Math.ceil(bytes / chunks);
  res.writeHead(200, headers({ 'content-type': 'application/octet-stream', 'content-length': bytes }));
  const pattern = patternOf(size);
  let sent = 0;
  const next = () => {
    if (res.destroyed) return;
    const n = Math.min(size, bytes - sent);
    const start = (seed + sent) % 251;
    const chunk = pattern.subarray(start, start + n);
    sent += n;
    if (sent >= bytes) res.end(chunk);
    else {
      res.write(chunk);
      setTimeout(next, ms / chunks);
    }
  };
  next();
}

/** Bytes 0, 1, …, 250, 0, 1, …: any run of the download's bytes is a slice of it. */
let pattern = Buffer.alloc(0);
function patternOf(size) {
  if (pattern.length < size + 251) pattern = Buffer.from(Array.from({ length: size + 251 }, (_, i) => i % 251));
  return pattern;
}

function clamp(n, min, max) {
  return Number.isFinite(n) ? Math.min(max, Math.max(min, Math.floor(n))) : min;
}

function handle(req, res) {
  res.on('close', () => {
    if (shuttingDown) server.closeIdleConnections();
  });
  if (req.url === '/') {
    send(res, 200, 'text/plain', `${version} ${gen} ${instance}\n`);
    req.resume();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://app');
  if (url.pathname === '/healthz') send(res, shuttingDown ? 503 : 200, 'text/plain', shuttingDown ? 'shutting down' : 'ok');
  else if (url.pathname === '/upload' && req.method === 'POST') upload(req, res);
  else if (url.pathname === '/download') download(url, res);
  else if (url.pathname === '/') send(res, 200, 'text/plain', `${version} ${gen} ${instance}\n`);
  else send(res, 404, 'text/plain', 'not found\n');
  if (url.pathname !== '/upload') req.resume();
}

// --- WebSocket (RFC 6455), just enough: unfragmented frames, text echo, ping, close ---

function frame(opcode, payload) {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : Buffer.from([0x80 | opcode, 126, n >> 8, n & 255]);
  return Buffer.concat([head, payload]);
}

function closeFrame(code, reason) {
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return frame(0x8, body);
}

/** Parses the client's (masked) frames from `buffer`; returns what is left over. */
function readFrames(socket, buffer) {
  for (;;) {
    if (buffer.length < 2) return buffer;
    const opcode = buffer[0] & 0x0f;
    let length = buffer[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return buffer;
      length = buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      socket.destroy();
      return Buffer.alloc(0);
    }
    if (buffer.length < offset + 4 + length) return buffer;
    const mask = buffer.subarray(offset, offset + 4);
    const payload = Buffer.from(buffer.subarray(offset + 4, offset + 4 + length));
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
    buffer = buffer.subarray(offset + 4 + length);
    if (opcode === 0x1 || opcode === 0x2) socket.write(frame(opcode, payload));
    else if (opcode === 0x9) socket.write(frame(0xa, payload));
    else if (opcode === 0x8) {
      socket.end(frame(0x8, payload.subarray(0, 2)));
      return Buffer.alloc(0);
    }
  }
}

function upgrade(req, socket) {
  const key = req.headers['sec-websocket-key'];
  if (shuttingDown || req.url !== '/ws' || String(req.headers.upgrade).toLowerCase() !== 'websocket' || typeof key !== 'string') {
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    return;
  }
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nx-app: ${app}\r\n\r\n`);
  socket.setNoDelay(true);
  websockets.add(socket);
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => (pending = readFrames(socket, Buffer.concat([pending, chunk]))));
  socket.on('close', () => websockets.delete(socket));
  socket.on('error', () => socket.destroy());
}

const server = createServer(handle);
server.keepAliveTimeout = 5_000;
server.on('upgrade', upgrade);

function shutdown(signal) {
  if (process.env.SHUTDOWN === 'abrupt') process.exit(0);
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`received ${signal}: draining (${websockets.size} websocket(s))`);
  setTimeout(() => {
    console.error(`still busy ${HARD_EXIT_MS} ms after ${signal}, exiting`);
    process.exit(1);
  }, HARD_EXIT_MS).unref();
  server.close(() => {
    console.log('drained, exiting');
    process.exit(0);
  });
  server.closeIdleConnections();
  for (const socket of websockets) {
    socket.end(closeFrame(1001, 'going away'));
    setTimeout(() => socket.destroy(), 1_000).unref();
  }
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
server.on('error', (error) => {
  console.error(`cannot listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.log(`${app} listening on ${server.address().port}`));
