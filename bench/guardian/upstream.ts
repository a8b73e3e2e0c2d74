// The stable and canary upstreams: node:http servers on port 0 inside the benchmark process, so the
// benchmark decides the exact moment the canary turns bad. Each logs the arrival time of every request
// it serves (and of those it fails), in the benchmark's clock.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LATENCY_MEDIAN_MS, LATENCY_SIGMA, lognormalDelayMs } from './measure.js';
import type { Behaviour } from './measure.js';

/** Milliseconds since the epoch with sub-millisecond resolution. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export interface Upstream {
  readonly name: string;
  readonly url: string;
  /** Arrival times of every request served, ascending. */
  readonly arrivals: number[];
  /** Arrival times of the requests answered 500, ascending. */
  readonly failures: number[];
  /** From `at` on (arrival time), requests get `behaviour` instead of the initial one. */
  turnBadAt(at: number, behaviour: Behaviour): void;
  close(): Promise<void>;
}

export async function startUpstream(name: string, initial: Behaviour): Promise<Upstream> {
  const arrivals: number[] = [];
  const failures: number[] = [];
  let onset = Number.POSITIVE_INFINITY;
  let after = initial;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const at = now();
    arrivals.push(at);
    const behaviour = at >= onset ? after : initial;
    const fail = Math.random() < behaviour.errorRate;
    if (fail) failures.push(at);
    const delay = lognormalDelayMs(Math.random, LATENCY_MEDIAN_MS, LATENCY_SIGMA) * behaviour.latencyFactor;
    req.resume();
    setTimeout(() => {
      const body = `${JSON.stringify(fail ? { version: name, error: 'injected failure' } : { version: name, ok: true })}\n`;
      res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-upstream': name });
      res.end(body);
    }, delay);
  };
  const server: Server = createServer(handle);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    arrivals,
    failures,
    turnBadAt: (at, behaviour) => {
      onset = at;
      after = behaviour;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
