// The demo service Sluice rolls out in the quick start and the tests. No dependencies.
//
//   PORT        port to listen on (default 0: any free port); prints "listening on <port>"
//   VERSION     reported in the body and the x-demo-version header (default "dev")
//   ERROR_RATE  0..1, fraction of non-health requests answered 500 (default 0)
//   LATENCY_MS  delay added to every non-health request (default 0)
//
// GET /healthz answers 200 "ok" while serving and 503 once shutdown has begun. SIGTERM or SIGINT
// stops accepting, finishes in-flight requests, closes idle keep-alive sockets and exits 0.
import { createServer } from 'node:http';

const HARD_EXIT_MS = 10_000;

/** Reads a numeric env var; bad values fall back to the default with a warning instead of a crash. */
function numberFromEnv(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    console.error(`demo: ignoring ${name}=${JSON.stringify(raw)}: expected a number from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

const version = process.env.VERSION || 'dev';
const errorRate = numberFromEnv('ERROR_RATE', 0, 0, 1);
const latencyMs = numberFromEnv('LATENCY_MS', 0, 0, 600_000);
const port = numberFromEnv('PORT', 0, 0, 65_535);

let shuttingDown = false;
let inFlight = 0;

function send(res, status, type, body) {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'x-demo-version': version,
    // Once draining, tell keep-alive clients to go elsewhere for their next request.
    ...(shuttingDown ? { connection: 'close' } : {}),
  });
  res.end(body);
}

function handle(req, res) {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') {
    send(res, shuttingDown ? 503 : 200, 'text/plain', shuttingDown ? 'shutting down' : 'ok');
    return;
  }
  inFlight += 1;
  res.on('close', () => {
    inFlight -= 1;
    if (shuttingDown) server.closeIdleConnections();
  });
  const reply = () => {
    if (Math.random() < errorRate) {
      send(res, 500, 'application/json', `${JSON.stringify({ version, error: 'injected failure' })}\n`);
      return;
    }
    send(res, 200, 'application/json', `${JSON.stringify({ version, pid: process.pid, path })}\n`);
  };
  if (latencyMs > 0) setTimeout(reply, latencyMs);
  else reply();
}

const server = createServer(handle);
server.keepAliveTimeout = 5_000;

function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`received ${signal}, draining ${inFlight} in-flight request(s)`);
  // Last resort: a client that never finishes must not keep the old version alive forever.
  setTimeout(() => {
    console.error(`demo: still ${inFlight} request(s) in flight after ${HARD_EXIT_MS}ms, exiting`);
    process.exit(1);
  }, HARD_EXIT_MS).unref();
  server.close(() => {
    console.log('drained, exiting');
    process.exit(0);
  });
  server.closeIdleConnections();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

server.on('error', (error) => {
  console.error(`demo: cannot listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on ${typeof address === 'object' && address ? address.port : port}`);
});
