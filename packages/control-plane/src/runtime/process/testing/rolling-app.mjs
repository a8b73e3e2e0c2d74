// A tiny upstream for rolling-update tests (process runtime int tests and the e2e). No dependencies.
//
//   PORT            port to listen on (set by the runtime)
//   VERSION         reported in the x-app-version header and the body
//   FAIL_READY=1    GET /healthz always answers 503: the instance never becomes ready
//   CRASH=1         exits with code 3 right after starting: a crash loop
//   IGNORE_SIGTERM=1  SIGTERM is logged and ignored (the runtime must SIGKILL it)
//   ABRUPT=1        SIGTERM exits at once, cutting whatever is in flight (an app without a SIGTERM handler)
//   FAIL_FILE=<path>  while that file exists, answers 500 to a share FAIL_SHARE (default 0.5) of requests
//                   other than /healthz (evenly spread: with 0.5, every second one): a version that turns bad
//
// Any other path answers 200 with JSON; `?delay=<ms>` holds the answer that long; a POST body is read and
// its length returned. Prints one line per lifecycle event, which tests read through the runtime's log:
// "listening on <port>", "SIGTERM <instance> inflight=<n>", "request after SIGTERM <instance> <method> <path>", "exiting".
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';

const version = process.env.VERSION ?? 'dev';
const instance = process.env.SLUICE_INSTANCE ?? '?';
let terminating = false;
let inflight = 0;
const failShare = Number(process.env.FAIL_SHARE ?? 0.5);
let failCredit = 0;

/** True for the share of requests that answer 500 while FAIL_FILE exists. */
function failNow() {
  if (process.env.FAIL_FILE === undefined || !existsSync(process.env.FAIL_FILE)) return false;
  failCredit += failShare;
  if (failCredit < 1) return false;
  failCredit -= 1;
  return true;
}

if (process.env.CRASH === '1') {
  console.error(`crashing on purpose (version ${version})`);
  process.exit(3);
}

function answer(res, status, body) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-app-version': version,
    'x-app-instance': instance,
    ...(terminating ? { connection: 'close' } : {}),
  });
  res.end(body);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/healthz') {
    answer(res, process.env.FAIL_READY === '1' || terminating ? 503 : 200, '"health"');
    return;
  }
  if (terminating) console.log(`request after SIGTERM ${instance} ${req.method} ${url.pathname}`);
  inflight += 1;
  let length = 0;
  req.on('data', (chunk) => (length += chunk.length));
  req.on('end', () => {
    const status = failNow() ? 500 : 200;
    const reply = () => {
      inflight -= 1;
      answer(res, status, JSON.stringify({ version, instance, pid: process.pid, length }));
      if (terminating) server.closeIdleConnections();
    };
    const delay = Number(url.searchParams.get('delay') ?? 0);
    if (delay > 0) setTimeout(reply, delay);
    else reply();
  });
});
server.keepAliveTimeout = 10_000;

process.on('SIGTERM', () => {
  console.log(`SIGTERM ${instance} inflight=${inflight}`);
  if (process.env.ABRUPT === '1') process.exit(143);
  if (process.env.IGNORE_SIGTERM === '1' || terminating) return;
  terminating = true;
  server.close(() => {
    console.log('exiting');
    process.exit(0);
  });
  server.closeIdleConnections();
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
