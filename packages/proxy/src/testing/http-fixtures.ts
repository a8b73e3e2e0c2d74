import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import net from 'node:net';
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

/** What came back on a raw connection: the bytes, the parsed head, and whether the proxy closed it. */
export interface RawResponse {
  readonly raw: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** True when the server ended the connection (the test never does first). */
  readonly closedByServer: boolean;
}

/**
 * Writes `bytes` on a fresh connection and collects everything until the server closes it, or until
 * `waitMs` passes (then the connection is dropped and `closedByServer` is false).
 */
export function rawExchange(address: string, bytes: string | Buffer, waitMs = 3000): Promise<RawResponse> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    const chunks: Buffer[] = [];
    let closedByServer = false;
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => (closedByServer = true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') closedByServer = true;
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseRaw(Buffer.concat(chunks).toString('latin1'), closedByServer));
    });
    socket.write(bytes);
  });
}

function parseRaw(raw: string, closedByServer: boolean): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(statusLine.split(' ')[1] ?? 0);
  return { raw, status, headers, body: end === -1 ? '' : raw.slice(end + 4), closedByServer };
}

/** An upstream with a custom handler that counts its TCP connections and the requests it read to the end. */
export interface CountingUpstream {
  readonly url: string;
  readonly server: Server;
  /** TCP connections accepted so far. */
  connections: number;
  /** Connections open now. */
  open: number;
  /** Requests received (headers read). */
  requests: number;
  /** Requests whose body was read to the end. */
  completed: number;
  close(): Promise<void>;
}

export async function startCountingUpstream(handler: (req: IncomingMessage, res: http.ServerResponse) => void): Promise<CountingUpstream> {
  const server = http.createServer();
  const upstream: CountingUpstream = {
    url: '',
    server,
    connections: 0,
    open: 0,
    requests: 0,
    completed: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket: net.Socket) => {
    upstream.connections++;
    upstream.open++;
    socket.on('close', () => upstream.open--);
  });
  server.on('request', (req: IncomingMessage, res: http.ServerResponse) => {
    upstream.requests++;
    req.on('end', () => upstream.completed++);
    handler(req, res);
  });
  await listen(server);
  (upstream as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return upstream;
}

/** Polls `condition` every 10 ms until it holds or `ms` passes; then asserts it with `message`. */
export async function eventually(condition: () => boolean, message: () => string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`condition not met within ${ms} ms: ${message()}`);
}
