import type { Context } from 'hono';
import { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { streamSSE } from 'hono/streaming';
import type { Logger } from '../platform/logger.js';
import { WakeableQueue } from '../platform/wakeable-queue.js';
import type { PublishedRoute, RouteFeed } from './route-feed.js';

/** How often an idle stream sends a `: heartbeat` comment (agents reconnect after ~30 s of silence). */
export const HEARTBEAT_MS = 10_000;
/** Entries read per changesSince call. */
export const CHANGE_PAGE = 500;
/** Bytes a client may leave unread before the stream waits for it to catch up, and cuts it if it does not. */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** How long a stream waits for a slow client to read what is queued before dropping it (it resumes). */
export const SLOW_CLIENT_MS = 10_000;

export interface DataPlaneStreamOptions {
  readonly feed: RouteFeed;
  /** Resume after this generation (no snapshot); undefined or 0: a snapshot first. */
  readonly after: number | undefined;
  /** Gives the stream's place back; called once when the stream ends. */
  readonly release: () => void;
  readonly log: Logger;
  readonly heartbeatMs?: number;
  readonly maxQueuedBytes?: number;
  readonly slowClientMs?: number;
}

/** Where frames go: the raw node response (backpressure-aware), or hono's SSE stream. */
interface Sink {
  write(text: string): Promise<void>;
  end(): void;
  readonly closed: boolean;
}

function changeFrame(entry: PublishedRoute): string {
  return `id: ${entry.generation}\nevent: change\ndata: ${JSON.stringify(entry)}\n\n`;
}

/** Writes every entry after `from`, page by page; answers the last generation written. */
async function catchUp(sink: Sink, feed: RouteFeed, from: number): Promise<number> {
  let at = from;
  for (;;) {
    const page = await feed.changesSince(at, CHANGE_PAGE);
    for (const entry of page) {
      if (entry.generation <= at) continue;
      await sink.write(changeFrame(entry));
      at = entry.generation;
    }
    if (page.length < CHANGE_PAGE || sink.closed) return at;
  }
}

/**
 * One stream: subscribe first (so no generation falls between), a snapshot unless resuming, then the
 * changes after it each time the feed wakes the stream, a heartbeat when idle.
 */
async function pump(sink: Sink, options: DataPlaneStreamOptions, wakes: WakeableQueue<true>): Promise<void> {
  let at = options.after ?? 0;
  const snapshot = await options.feed.snapshot();
  // A data plane ahead of the store (it was restored from a backup, or is a new database) cannot
  // resume: it gets the whole table, which replaces everything it serves.
  if (at === 0 || at > snapshot.generation) {
    at = snapshot.generation;
    await sink.write(`id: ${at}\nevent: snapshot\ndata: ${JSON.stringify({ generation: at, routes: snapshot.routes })}\n\n`);
  } else await sink.write(': resumed\n\n');
  while (!sink.closed) {
    wakes.take();
    at = await catchUp(sink, options.feed, at);
    if (sink.closed) return;
    const woken = await wakes.wait(options.heartbeatMs ?? HEARTBEAT_MS);
    if (!woken && !sink.closed) await sink.write(': heartbeat\n\n');
  }
}

function run(sink: Sink, options: DataPlaneStreamOptions): { done: Promise<void>; stop: () => void } {
  const wakes = new WakeableQueue<true>();
  const unsubscribe = options.feed.subscribe(() => wakes.push(true));
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    options.release();
    wakes.wake();
  };
  const done = pump(sink, options, wakes)
    .catch((error: Error) => {
      options.log.warn('data-plane stream failed', { error: error.message });
      sink.end();
    })
    .finally(stop);
  return { done, stop };
}

/** Resolves once the response drained below `max` queued bytes; false when it did not within `waitMs`. */
function drained(outgoing: ServerResponse, max: number, waitMs: number): Promise<boolean> {
  if (outgoing.writableLength <= max) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      outgoing.off('drain', onDrain);
      outgoing.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => finish(true);
    const onClose = () => finish(false);
    const timer = setTimeout(() => finish(false), waitMs);
    outgoing.on('drain', onDrain);
    outgoing.on('close', onClose);
  });
}

function rawStream(outgoing: ServerResponse, options: DataPlaneStreamOptions): Response {
  const max = options.maxQueuedBytes ?? MAX_QUEUED_BYTES;
  outgoing.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  outgoing.flushHeaders();
  const sink: Sink = {
    write: async (text) => {
      if (outgoing.destroyed || outgoing.writableEnded) return;
      outgoing.write(text);
      // A client that does not read is dropped rather than buffered without end; it resumes where it was.
      if (!(await drained(outgoing, max, options.slowClientMs ?? SLOW_CLIENT_MS)) && !outgoing.destroyed) {
        options.log.warn('data-plane stream dropped: the client does not read', { queuedBytes: outgoing.writableLength });
        outgoing.destroy();
      }
    },
    end: () => {
      if (!outgoing.writableEnded) outgoing.end();
    },
    get closed() {
      return outgoing.destroyed || outgoing.writableEnded;
    },
  };
  const { stop } = run(sink, options);
  outgoing.on('close', stop);
  return RESPONSE_ALREADY_SENT;
}

/**
 * GET /data-plane/stream: server-sent events. A `snapshot` ({generation, routes}) unless resuming, then
 * one `change` per published entry (tombstones included), `id:` its generation, `: heartbeat` when idle.
 */
export function streamRoutes(c: Context, options: DataPlaneStreamOptions): Response {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  if (outgoing instanceof ServerResponse) return rawStream(outgoing, options);
  c.header('x-accel-buffering', 'no');
  return streamSSE(c, async (stream) => {
    const sink: Sink = {
      write: (text) => stream.write(text).then(() => undefined),
      end: () => void stream.close(),
      get closed() {
        return stream.aborted || stream.closed;
      },
    };
    const { done, stop } = run(sink, options);
    stream.onAbort(stop);
    await done;
  });
}
