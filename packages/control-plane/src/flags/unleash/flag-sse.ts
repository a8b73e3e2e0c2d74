import type { DeltaEvent, SegmentDefinition } from '@sluice/domain';
import type { Context } from 'hono';
import { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { streamSSE } from 'hono/streaming';
import type { Logger } from '../../platform/logger.js';
import type { Store } from '../../store/store.js';
import type { FlagHub, FlagNotice } from '../flag-hub.js';
import { changesAfter, deltaEvents, readSnapshot } from '../flag-state.js';
import { WakeableQueue } from '../../platform/wakeable-queue.js';

/** How often an idle stream sends a `: ping` comment, so proxies and clients see it is alive. */
export const PING_INTERVAL_MS = 15_000;

export interface FlagStreamOptions {
  readonly store: Store;
  readonly hub: FlagHub;
  /** The environment the client's token reads: every event is compiled for it alone. */
  readonly environment: string;
  /** The `Last-Event-ID` the client resumes from (a seq), if any. */
  readonly lastEventId?: number | undefined;
  readonly log?: Logger | undefined;
  /** Ping interval; tests shorten it. */
  readonly pingMs?: number;
}

/** Reads a `Last-Event-ID` header: a seq, or undefined when absent or not a non-negative integer. */
export function parseLastEventId(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,15}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/** Notices waiting to be written, and a way to sleep until one arrives (or a ping is due). */
class NoticeQueue extends WakeableQueue<FlagNotice> {
  /** True while the stream's loop writes notices it took: a change must wait its turn then. */
  busy = false;

  /** Nothing waits and nothing is being written: a change may be written at once. */
  get idle(): boolean {
    return this.size === 0 && !this.busy;
  }
}

interface StreamPosition {
  /** The newest flag seq the client has. */
  seq: number;
  /** The segments the client has, to tell it which were removed. */
  segments: readonly SegmentDefinition[] | undefined;
}

/** Where a stream's frames go: hono's SSE stream, or (faster, when served by node) the raw response. */
interface SseSink {
  write(frame: string): unknown;
  readonly closed: boolean;
}

function frame(event: 'unleash-connected' | 'unleash-updated', id: number, events: readonly DeltaEvent[]): string {
  return `event: ${event}\nid: ${id}\ndata: ${JSON.stringify({ events })}\n\n`;
}

/**
 * One change is usually the same bytes for every stream of an environment: it is serialised once and
 * shared (streams that need something else — a client that connected mid-change, a segment change —
 * get their own). With 1,000 streams this is what keeps a push in milliseconds.
 */
const sharedFrames = new WeakMap<FlagNotice, Map<string, string>>();

function sharedFrame(notice: FlagNotice, environment: string): string {
  let byEnvironment = sharedFrames.get(notice);
  if (byEnvironment === undefined) sharedFrames.set(notice, (byEnvironment = new Map()));
  let text = byEnvironment.get(environment);
  if (text === undefined) byEnvironment.set(environment, (text = frame('unleash-updated', notice.seq, deltaEvents(notice, environment, undefined))));
  return text;
}

/** The first message: the changes since `lastEventId` when they can be replayed, else a hydration. */
async function sendStart(sink: SseSink, options: FlagStreamOptions): Promise<StreamPosition> {
  const { store, environment, lastEventId } = options;
  const notice = lastEventId === undefined ? undefined : await changesAfter(store, lastEventId);
  if (notice !== undefined && lastEventId !== undefined) {
    const events = deltaEvents(notice, environment, undefined);
    await sink.write(frame('unleash-updated', notice.seq, events));
    return { seq: notice.seq, segments: notice.segments };
  }
  const snapshot = await readSnapshot(store, environment);
  const segments = snapshot.state.segments ?? [];
  const hydration: DeltaEvent = { type: 'hydration', eventId: snapshot.seq, features: snapshot.state.features, segments };
  await sink.write(frame('unleash-connected', snapshot.seq, [hydration]));
  return { seq: snapshot.seq, segments };
}

/** Whether the stream at `at` gets the notice's shared frame: every version in it is new to the client, no segment changed. */
function sharesFrame(notice: FlagNotice, at: StreamPosition): boolean {
  return notice.segments === undefined && notice.revisions.length > 0 && notice.revisions.every((r) => r.seq > at.seq);
}

/** Writes one notice, leaving out flag versions the client already has. */
async function sendNotice(sink: SseSink, notice: FlagNotice, environment: string, at: StreamPosition): Promise<void> {
  if (sharesFrame(notice, at)) {
    at.seq = Math.max(at.seq, notice.seq);
    await sink.write(sharedFrame(notice, environment));
    return;
  }
  const fresh: FlagNotice = { ...notice, revisions: notice.revisions.filter((r) => r.seq > at.seq) };
  const events = deltaEvents(fresh, environment, at.segments);
  if (notice.segments !== undefined) at.segments = notice.segments;
  at.seq = Math.max(at.seq, notice.seq);
  if (events.length > 0) await sink.write(frame('unleash-updated', at.seq, events));
}

/** Runs one stream until the client goes away: the start, then every notice, pings when idle. */
async function pump(sink: SseSink, options: FlagStreamOptions, queue: NoticeQueue, started?: (at: StreamPosition) => void): Promise<void> {
  const at = await sendStart(sink, options);
  started?.(at);
  while (!sink.closed) {
    const notices = queue.take();
    queue.busy = notices.length > 0;
    for (const notice of notices) await sendNotice(sink, notice, options.environment, at);
    queue.busy = false;
    if (notices.length > 0) continue;
    const woken = await queue.wait(options.pingMs ?? PING_INTERVAL_MS);
    if (!woken && !sink.closed) await sink.write(': ping\n\n');
  }
}

/** A client that reads nothing is cut off rather than buffered without end. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** The raw node response (served by @hono/node-server), written directly: no web-stream per frame. */
function rawStream(outgoing: ServerResponse, options: FlagStreamOptions): Response {
  outgoing.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  outgoing.flushHeaders();
  const sink: SseSink = {
    write: (text) => {
      if (outgoing.writableLength > MAX_BUFFERED_BYTES) outgoing.destroy();
      else outgoing.write(text);
    },
    get closed() {
      return outgoing.destroyed || outgoing.writableEnded;
    },
  };
  const queue = new NoticeQueue();
  let position: StreamPosition | undefined;
  // Once the start is sent and nothing waits, a change is written right here, in the hub's call:
  // a thousand streams then cost a thousand socket writes, not a thousand wake-ups.
  const unsubscribe = options.hub.subscribe((notice) => {
    if (position !== undefined && queue.idle && !sink.closed && sharesFrame(notice, position)) {
      position.seq = Math.max(position.seq, notice.seq);
      sink.write(sharedFrame(notice, options.environment));
    } else queue.push(notice);
  });
  outgoing.on('close', () => {
    unsubscribe();
    queue.wake();
  });
  pump(sink, options, queue, (at) => (position = at))
    .catch((error: Error) => {
      options.log?.warn('flag stream failed', { error: error.message });
      outgoing.destroy();
    })
    .finally(unsubscribe);
  return RESPONSE_ALREADY_SENT;
}

/**
 * Server-sent events in Unleash's streaming format (`unleash-connected` with a hydration, then one
 * `unleash-updated` per change, `id:` = the flag seq, `: ping` every 15 s), for one environment.
 * The hub subscription is taken before the start is read, so no change falls between the two; it is
 * dropped when the client goes away.
 */
export function streamFlags(c: Context, options: FlagStreamOptions): Response {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  if (outgoing instanceof ServerResponse) return rawStream(outgoing, options);
  c.header('x-accel-buffering', 'no');
  return streamSSE(
    c,
    async (stream) => {
      const queue = new NoticeQueue();
      const unsubscribe = options.hub.subscribe((notice) => queue.push(notice));
      stream.onAbort(() => {
        unsubscribe();
        queue.wake();
      });
      const sink: SseSink = {
        write: (text) => stream.write(text),
        get closed() {
          return stream.aborted || stream.closed;
        },
      };
      try {
        await pump(sink, options, queue);
      } finally {
        unsubscribe();
      }
    },
    async (error) => {
      options.log?.warn('flag stream failed', { error: error.message });
    },
  );
}
