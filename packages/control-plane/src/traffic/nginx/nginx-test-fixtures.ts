import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { NginxRouter, type NginxRouterOptions } from './nginx-router.js';

/** A tiny upstream on 127.0.0.1:0 answering its version name, counting the requests it got. */
export interface VersionServer {
  readonly url: string;
  readonly paths: string[];
  close(): Promise<void>;
}

export async function versionServer(version: string): Promise<VersionServer> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.end(version));
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** An owned NginxRouter in a fresh state directory; `dispose` closes it and removes the directory. */
export async function ownedRouter(binary: string, options: Partial<NginxRouterOptions> = {}): Promise<{ router: NginxRouter; dispose(): Promise<void> }> {
  const stateDir = await mkdtemp(join(tmpdir(), 'sluice-nginx-'));
  const router = new NginxRouter({ binary, owned: { stateDir, workers: 2 }, ...options });
  return {
    router,
    dispose: async () => {
      await router.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly version: string;
  readonly body: string;
  readonly setCookie: string | undefined;
  readonly generation: string | undefined;
}

/** One GET through nginx at `address` ("host:port"). */
export function get(address: string, options: { path?: string; headers?: Record<string, string>; agent?: http.Agent | false; method?: string } = {}): Promise<Answer> {
  const colon = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: address.slice(0, colon), port: Number(address.slice(colon + 1)), path: options.path ?? '/', method: options.method ?? 'GET', headers: options.headers ?? {}, agent: options.agent ?? false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            version: String(res.headers['x-sluice-version'] ?? ''),
            body,
            setCookie: res.headers['set-cookie']?.[0],
            generation: res.headers['x-sluice-generation'] as string | undefined,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end();
  });
}
