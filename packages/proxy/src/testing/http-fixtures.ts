import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tiny upstream on 127.0.0.1:0 that answers its version name, for proxy tests. */
export interface TestUpstream {
  readonly name: string;
  readonly url: string;
  /** Requests received so far. */
  readonly received: IncomingMessage[];
  close(): Promise<void>;
}

/**
 * Routes: `/headers` echoes the request headers as JSON, `/echo` streams the body back,
 * `/slow?ms=N` answers after N ms, `/hang` never answers; anything else answers the version name.
 */
export async function startUpstream(name: string): Promise<TestUpstream> {
  const received: IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    received.push(req);
    const path = req.url ?? '/';
    if (path === '/headers') {
      res.setHeader('content-type', 'application/json');
      res.setHeader('connection', 'keep-alive, x-upstream-hop');
      res.setHeader('x-upstream-hop', 'secret');
      res.end(JSON.stringify({ headers: req.headers, url: req.url }));
    } else if (path === '/echo') {
      req.pipe(res);
    } else if (path.startsWith('/slow')) {
      const ms = Number(new URL(path, 'http://x').searchParams.get('ms') ?? '200');
      setTimeout(() => res.end(name), ms);
    } else if (path === '/hang') {
      // Never answers; the test aborts.
    } else {
      req.resume();
      res.end(name);
    }
  });
  await listen(server);
  const { port } = server.address() as AddressInfo;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on which nothing listens (a port bound then released). */
export async function deadEndpoint(): Promise<string> {
  const server = http.createServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

export interface TestResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface TestRequest {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer | readonly Buffer[];
  readonly agent?: http.Agent;
}

/** One request to `address` (host:port), resolved with the whole body as text. */
export function request(address: string, options: TestRequest = {}): Promise<TestResponse> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const body = options.body;
    if (Array.isArray(body)) {
      for (const chunk of body as readonly Buffer[]) req.write(chunk);
      req.end();
    } else req.end(body as string | Buffer | undefined);
  });
}

export function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  return [host.startsWith('[') ? host.slice(1, -1) : host, Number(address.slice(colon + 1))];
}
