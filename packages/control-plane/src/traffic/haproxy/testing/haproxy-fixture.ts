import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_HAPROXY } from '../haproxy-process.js';

/**
 * Whether the HAProxy tests can run. Without the binary they print a SKIP line and register one
 * skipped test; under CI=true a missing HAProxy is a failing test instead.
 */
export function haproxyAvailable(what: string): boolean {
  if (existsSync(DEFAULT_HAPROXY)) return true;
  const message = `SKIP: ${what} needs Debian package haproxy (${DEFAULT_HAPROXY} is missing; apt-get install haproxy, or set SLUICE_HAPROXY)`;
  if (process.env['CI'] === 'true') {
    test(`${what}: HAProxy is installed (required under CI)`, () => assert.fail(message));
  } else {
    console.log(message);
    test(what, (t) => t.skip(message));
  }
  return false;
}

/** A fresh state directory for an owned HAProxy (short path: unix socket paths are limited to 107 bytes). */
export async function stateDir(): Promise<{ readonly dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'slh-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A tiny upstream that answers with its version; `?delay=ms` holds the answer, `?status=n` picks the status. */
export interface Upstream {
  readonly url: string;
  /** Requests this instance received. */
  readonly hits: () => number;
  close(): Promise<void>;
}

export async function startUpstream(version: string): Promise<Upstream> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits += 1;
    const url = new URL(req.url ?? '/', 'http://x');
    const delay = Number(url.searchParams.get('delay') ?? 0);
    const status = Number(url.searchParams.get('status') ?? 200);
    req.resume();
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(version);
    }, delay);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
