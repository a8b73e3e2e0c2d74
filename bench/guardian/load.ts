// Open-loop traffic through a service's proxy: requests go out on a fixed schedule (rps), whether or
// not earlier ones have been answered, over a keep-alive agent, each with a random x-user-id of many.
import { Agent, request } from 'node:http';

const TICK_MS = 5;
const REQUEST_TIMEOUT_MS = 10_000;
const USERS = 100_000;

export interface LoadStats {
  readonly sent: number;
  /** Answers with the upstream's x-upstream header, by status class. */
  readonly upstream2xx: number;
  readonly upstream5xx: number;
  /** Answers without it (the proxy's own 502/503/504…) and socket errors or timeouts. */
  readonly proxyErrors: number;
  /** Why, e.g. "502" or "ECONNRESET", with counts. */
  readonly proxyErrorKinds: Readonly<Record<string, number>>;
  readonly seconds: number;
}

export interface Load {
  stats(): LoadStats;
  /** Stops sending, waits (at most `drainMs`) for answers in flight, frees the sockets. */
  stop(drainMs?: number): Promise<LoadStats>;
}

export function startLoad(host: string, port: number, rps: number, userPrefix: string): Load {
  // Idle sockets are closed after 4 s, before the proxy's 5 s keep-alive timeout closes them under a request.
  const agent = new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64, timeout: 4_000 });
  const started = performance.now();
  let stoppedAt: number | undefined;
  let sent = 0;
  let inFlight = 0;
  let upstream2xx = 0;
  let upstream5xx = 0;
  let proxyErrors = 0;
  const proxyErrorKinds: Record<string, number> = {};
  const send = (): void => {
    sent++;
    inFlight++;
    let finished = false;
    const finish = (outcome: 'ok' | 'failed' | 'proxy', why = ''): void => {
      if (finished) return;
      finished = true;
      inFlight--;
      if (outcome === 'ok') upstream2xx++;
      else if (outcome === 'failed') upstream5xx++;
      else {
        proxyErrors++;
        proxyErrorKinds[why] = (proxyErrorKinds[why] ?? 0) + 1;
      }
    };
    const user = `${userPrefix}-${Math.floor(Math.random() * USERS)}`;
    const req = request({ host, port, path: '/', agent, headers: { 'x-user-id': user } }, (res) => {
      const fromUpstream = res.headers['x-upstream'] !== undefined;
      const status = res.statusCode ?? 0;
      res.resume();
      res.once('end', () => finish(!fromUpstream ? 'proxy' : status >= 500 ? 'failed' : 'ok', String(status)));
      res.once('error', (error: NodeJS.ErrnoException) => finish('proxy', error.code ?? error.message));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.once('error', (error: NodeJS.ErrnoException) => finish('proxy', error.code ?? error.message));
    req.end();
  };
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) * rps) / 1000) - sent;
    for (let i = 0; i < due; i++) send();
  }, TICK_MS);
  const stats = (): LoadStats => ({
    sent, upstream2xx, upstream5xx, proxyErrors, proxyErrorKinds: { ...proxyErrorKinds },
    seconds: ((stoppedAt ?? performance.now()) - started) / 1000,
  });
  return {
    stats,
    stop: async (drainMs = 2_000) => {
      if (stoppedAt === undefined) {
        clearInterval(timer);
        stoppedAt = performance.now();
        const deadline = Date.now() + drainMs;
        while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        agent.destroy();
      }
      return stats();
    },
  };
}
