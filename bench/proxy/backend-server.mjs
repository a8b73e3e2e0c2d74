// Fallback backend when nginx is not installed: a tiny body and `x-backend: <version>`.
// Usage: node bench/proxy/backend-server.mjs v1 <port>
import http from 'node:http';

const [version = 'v1', port = '0'] = process.argv.slice(2);
const body = Buffer.from(`hello from ${version}\n`);
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'x-backend': version });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1');

function stop() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).resume();
