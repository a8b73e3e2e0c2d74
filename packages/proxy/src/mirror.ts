import type { ClientRequest } from 'node:http';
import type { Exchange } from './exchange.js';
import { nextInstance } from './route-table.js';
import { upstreamPath } from './upstream-instance.js';

/**
 * Shadow traffic: for `mirror.percent` of requests, a copy goes to an instance of `mirror.version`
 * and its answer is read and thrown away. The copy never affects the user: it is not retried, its
 * errors and timeouts are swallowed, it is not counted in metrics or outlier ejection, and its body
 * is the same bytes the user's request streams (mirrored only when the body has a Content-Length
 * within `maxBodyBytes`; chunked bodies of unknown size are not mirrored).
 */
export function startMirror(exchange: Exchange, random: () => number = Math.random): void {
  const { snapshot, scanned, req } = exchange;
  const mirror = snapshot.split.mirror;
  if (mirror === undefined || mirror.percent <= 0 || exchange.version === mirror.version) return;
  if (random() * 100 >= mirror.percent) return;
  if (scanned.hasBody && (scanned.chunked || scanned.contentLength > mirror.maxBodyBytes)) return;
  const instance = nextInstance(snapshot.pools.get(mirror.version));
  if (instance === undefined) return;
  let copy: ClientRequest;
  try {
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
  if (!scanned.hasBody) copy.end();
  else exchange.mirror = copy;
}

/** Tees the user's body into the mirror copy, from the moment it starts flowing upstream. */
export function teeBody(exchange: Exchange): void {
  const copy = exchange.mirror;
  if (copy === undefined) return;
  exchange.req.on('data', (chunk: Buffer) => {
    if (!copy.destroyed) copy.write(chunk);
  });
  exchange.req.once('end', () => copy.end());
  exchange.req.once('close', () => {
    if (!copy.writableEnded) copy.destroy();
  });
}
