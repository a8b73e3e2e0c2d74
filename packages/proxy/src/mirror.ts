import type { ClientRequest } from 'node:http';
import type { Exchange } from './exchange.js';
import { nextInstance } from './route-table.js';
import { upstreamPath } from './upstream-instance.js';

/**
 * How far a copy's unsent bytes may grow once its connection is open, above the least they were since:
 * more, and the mirror instance reads slower than the user's request streams, so the copy is dropped.
 * A mirror that keeps up still lags by a few MiB while a new connection's window opens (about 4 MiB
 * for a body arriving at loopback speed, whatever its size), so the bound leaves room for that.
 */
export const MIRROR_UNSENT_BYTES = 8 * 1024 * 1024;

/**
 * Shadow traffic: for `mirror.percent` of requests, a copy goes to an instance of `mirror.version`
 * and its answer is read and thrown away. The copy never affects the user: it is not retried, its
 * errors and timeouts are swallowed, it is not counted in metrics or outlier ejection, and it never
 * slows the user's request (the user's body is never paused for it).
 *
 * Its body is the same bytes the user's request streams upstream, teed chunk by chunk as they flow
 * (never buffered whole), and framed like the original: a body with a Content-Length is mirrored
 * only when that length is within `maxBodyBytes`; a chunked body of unknown size is mirrored chunked
 * while its bytes are counted, and the copy is aborted (never the user's request) at the chunk that
 * takes it past `maxBodyBytes` (so with `maxBodyBytes` 0 chunked bodies are not mirrored at all).
 *
 * The copy is also aborted when the proxy fails the user's request, when the exchange closes before
 * the copy's body ended, and when the mirror falls behind: once the copy's connection is open, its
 * unsent bytes may not grow more than `MIRROR_UNSENT_BYTES` above the least they were since. While it
 * connects, what piles up is bounded by `maxBodyBytes` alone (a fast client's body can outrun a new
 * connection; dropping those copies would stop large bodies from being mirrored at all), so a copy
 * holds at most min(maxBodyBytes, what piled up while connecting + MIRROR_UNSENT_BYTES) plus its
 * head, chunk framing and one chunk; the chunks are the user's own buffers, never copied.
 */
export function startMirror(exchange: Exchange, random: () => number = Math.random): void {
  const { snapshot, scanned, req } = exchange;
  const mirror = snapshot.split.mirror;
  if (mirror === undefined || mirror.percent <= 0 || exchange.version === mirror.version) return;
  if (random() * 100 >= mirror.percent) return;
  if (scanned.hasBody && (scanned.chunked ? mirror.maxBodyBytes === 0 : scanned.contentLength > mirror.maxBodyBytes)) return;
  const instance = nextInstance(snapshot.pools.get(mirror.version));
  if (instance === undefined) return;
  let copy: ClientRequest;
  try {
    // A chunked original carries Transfer-Encoding: chunked in `scanned.headers`, so the copy is chunked too.
    copy = instance.request({
      agent: instance.agent,
      hostname: instance.hostname,
      port: instance.port,
      method: req.method ?? 'GET',
      path: upstreamPath(instance, req.url ?? '/'),
      headers: [...scanned.headers, 'host', instance.authority, 'x-sluice-mirror', '1'],
      timeout: snapshot.limits.idleTimeoutMs,
    });
  } catch {
    return;
  }
  copy.on('response', (response) => response.resume());
  copy.on('error', () => undefined);
  copy.on('timeout', () => copy.destroy());
  if (!scanned.hasBody) {
    copy.end();
    return;
  }
  exchange.mirror = copy;
  // The exchange ended before the copy did: the proxy failed the user's request, the client left, or the body
  // never started flowing (the request's own 'end' and 'close' may then never come). Only a normal answer
  // while the body still streams upstream (an early response) leaves the tee to end the copy.
  const res = exchange.res;
  res.once('close', () => {
    if (copy.writableEnded) return;
    if (exchange.failed || !exchange.bodyStarted || !res.writableFinished) copy.destroy();
  });
}

/**
 * Tees the user's body into the mirror copy, from the moment it starts flowing upstream. Only listens:
 * the user's body flows at the pace of the user's upstream, and the copy is dropped when it cannot keep up.
 */
export function teeBody(exchange: Exchange): void {
  const copy = exchange.mirror;
  if (copy === undefined) return;
  const req = exchange.req;
  const maxBodyBytes = exchange.snapshot.split.mirror?.maxBodyBytes ?? 0;
  let bytes = 0;
  /** The least the copy held unsent since its connection opened; Infinity until it is open. */
  let least = Infinity;
  const stop = (): void => {
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    copy.destroy();
  };
  const onData = (chunk: Buffer): void => {
    bytes += chunk.length;
    if (bytes > maxBodyBytes || copy.destroyed || exchange.failed) return stop();
    const socket = copy.socket;
    const open = socket !== null && !socket.connecting;
    if (open) least = Math.min(least, copy.writableLength);
    copy.write(chunk);
    if (open && copy.writableLength - least > MIRROR_UNSENT_BYTES) stop();
  };
  const onEnd = (): void => {
    req.removeListener('data', onData);
    if (copy.destroyed || exchange.failed) copy.destroy();
    else copy.end();
  };
  req.on('data', onData);
  req.once('end', onEnd);
}
