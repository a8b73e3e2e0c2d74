// node http-proxy as a benchmark peer: keep-alive upstream agent, X-Forwarded-* headers, 90/10 by Math.random.
// Usage: node bench/proxy/http-proxy-server.mjs '{"v1":"http://127.0.0.1:P1","v2":"http://127.0.0.1:P2","weight":10}'
// Prints one JSON line {"address"} once it listens.
import http from 'node:http';
import httpProxy from 'http-proxy';

const options = JSON.parse(process.argv[2] ?? '{}');
const canaryShare = options.weight / 100;
// Same pool limits as Sluice's upstream agent, so neither side wins by connection count.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' });
const proxy = httpProxy.createProxyServer({ agent, xfwd: true });
proxy.on('error', (_error, _req, res) => {
  if (!(res instanceof http.ServerResponse)) return;
  if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
  res.end('bad gateway\n');
});

const server = http.createServer((req, res) => {
  proxy.web(req, res, { target: Math.random() < canaryShare ? options.v2 : options.v1 });
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  const { address, port } = server.address();
  process.stdout.write(`${JSON.stringify({ address: `${address}:${port}` })}\n`);
});

function stop() {
  server.close();
  server.closeAllConnections();
  agent.destroy();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The benchmark holds our stdin open: when it goes away (even killed), we go too.
process.stdin.on('end', stop).resume();
