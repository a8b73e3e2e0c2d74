import http from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RouteSpec } from '@sluice/domain';
import { GENERATION_PATH } from './nginx-render.js';

/** host and port of a "host:port" or "[v6]:port" listen address. */
export function splitListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port: Number(listen.slice(colon + 1)) };
}

/** `listen` with a free port in place of port 0: bound once on port 0, then released for nginx to take. */
export async function resolveListen(listen: string): Promise<string> {
  const { host, port } = splitListen(listen);
  if (port !== 0) return listen;
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const free = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return host.includes(':') ? `[${host}]:${free}` : `${host}:${free}`;
}

/** The generation a service's listener answers now, or an error text. New connection, closed after. */
export function probeGeneration(route: RouteSpec, listen: string, timeoutMs = 1000): Promise<string> {
  const { host, port } = splitListen(listen);
  const connectTo = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const first = route.hosts?.[0];
  const hostHeader = first === undefined ? listen : first.replace(/^\*\./, 'sluice-probe.');
  return new Promise((resolve) => {
    const request = http.get(
      { host: connectTo, port, path: GENERATION_PATH, agent: false, headers: { host: hostHeader, connection: 'close' }, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : `status ${res.statusCode}`));
        res.on('error', (error) => resolve(String(error)));
      },
    );
    request.on('timeout', () => request.destroy(new Error('probe timed out')));
    request.on('error', (error) => resolve(String(error)));
  });
}
