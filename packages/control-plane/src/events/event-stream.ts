import type { ReleaseEvent } from '@sluice/domain';
import type { Context } from 'hono';
import { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { streamSSE } from 'hono/streaming';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/store.js';
import type { EventFeed } from './event-feed.js';
import { WakeableQueue } from '../platform/wakeable-queue.js';

/** How often an idle stream sends a `: keep-alive` comment. */
export const KEEP_ALIVE_MS = 15_000;
/** Events read per query while a stream catches up after a resume. */
const CATCH_UP_PAGE = 1000;
/** A client that reads nothing is cut off rather than buffered without end. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export interface EventStreamOptions {
  readonly store: Store;
  readonly feed: EventFeed;
  /** Resume after this seq (Last-Event-ID, else `after`); undefined: only events stored from now on. */
  readonly afterSeq: number | undefined;
  /** Gives the stream's place back to the feed; called once when the stream ends. */
  readonly release: () => void;
  readonly log?: Logger | undefined;
  readonly keepAliveMs?: number;
}

/** Where frames go: the raw node response, or hono's SSE stream. */
interface Sink {
  write(text: string): unknown;
  end(): void;
  readonly closed: boolean;
}

/** Each event's frame is built once, whatever the number of streams it goes to. */
const frames = new WeakMap<ReleaseEvent, string>();

function frameOf(event: ReleaseEvent): string {
  let text = frames.get(event);
  if (text === undefined) frames.set(event, (text = `id: ${event.seq}\nevent: event\ndata: ${JSON.stringify(event)}\n\n`));
  return text;
}

/** Events the feed delivered that the stream has not written yet, and a way to sleep until some arrive. */
class Inbox extends WakeableQueue<ReleaseEvent> {}

/** Writes the stored events after `at`, page by page; answers the last seq written. */
async function catchUp(sink: Sink, store: Store, from: number): Promise<number> {
  let at = from;
  for (;;) {
    const page = await store.events.list({ afterSeq: at, limit: CATCH_UP_PAGE });
    for (const event of page) await sink.write(frameOf(event));
    at = page[page.length - 1]?.seq ?? at;
    if (page.length < CATCH_UP_PAGE || sink.closed) return at;
  }
}

/**
 * One stream from start to end: subscribe to the feed first (so nothing falls between), find where to
 * start, say `: connected`, write what was missed, then every new event once, in seq order.
 */
async function pump(sink: Sink, options: EventStreamOptions, inbox: Inbox, subscribed: (stop: () => void) => void): Promise<void> {
  const close = () => {
    sink.end();
    inbox.wake();
  };
  subscribed(await options.feed.subscribe({ deliver: (events) => inbox.push(...events), close }));
  const start = options.afterSeq ?? (await options.store.events.list({ order: 'desc', limit: 1 }))[0]?.seq ?? 0;
  if (sink.closed) return;
  await sink.write(': connected\n\n');
  let at = await catchUp(sink, options.store, start);
  while (!sink.closed) {
    const events = inbox.take().filter((e) => e.seq > at);
    for (const event of events) await sink.write(frameOf(event));
    at = events[events.length - 1]?.seq ?? at;
    if (events.length > 0) continue;
    const woken = await inbox.wait(options.keepAliveMs ?? KEEP_ALIVE_MS);
    if (!woken && !sink.closed) await sink.write(': keep-alive\n\n');
  }
}

/** Runs the stream over `sink`, releasing its place and feed subscription whenever it ends. */
function run(sink: Sink, options: EventStreamOptions, inbox: Inbox): { done: Promise<void>; stop: () => void } {
  let unsubscribe: (() => void) | undefined;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe?.();
    options.release();
    inbox.wake();
  };
  const done = pump(sink, options, inbox, (u) => {
    unsubscribe = u;
    if (stopped) u();
  })
    .catch((error: Error) => {
      options.log?.warn('event stream failed', { error: error.message });
      sink.end();
    })
    .finally(stop);
  return { done, stop };
}

function rawStream(outgoing: ServerResponse, options: EventStreamOptions): Response {
  outgoing.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  outgoing.flushHeaders();
  const sink: Sink = {
    write: (text) => {
      if (outgoing.destroyed || outgoing.writableEnded) return;
      if (outgoing.writableLength > MAX_BUFFERED_BYTES) outgoing.destroy();
      else outgoing.write(text);
    },
    end: () => {
      if (!outgoing.writableEnded) outgoing.end();
    },
    get closed() {
      return outgoing.destroyed || outgoing.writableEnded;
    },
  };
  const { stop } = run(sink, options, new Inbox());
  outgoing.on('close', stop);
  return RESPONSE_ALREADY_SENT;
}

/**
 * GET /events/stream: server-sent events, one `event` message per stored event (`id:` its seq,
 * `data:` the event as GET /events answers it), `: connected` once live, `: keep-alive` every 15 s.
 * Served on the raw node response when there is one (the control plane), else through hono's SSE.
 */
export function streamEvents(c: Context, options: EventStreamOptions): Response {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  if (outgoing instanceof ServerResponse) return rawStream(outgoing, options);
  c.header('x-accel-buffering', 'no');
  return streamSSE(c, async (stream) => {
    const inbox = new Inbox();
    const sink: Sink = {
      write: (text) => stream.write(text),
      end: () => void stream.close(),
      get closed() {
        return stream.aborted || stream.closed;
      },
    };
    const { done, stop } = run(sink, options, inbox);
    stream.onAbort(stop);
    await done;
  });
}
