import { ErrorCode, SluiceError } from '@sluice/domain';
import { Hono } from 'hono';
import { toErrorResponse } from '../http/error-response.js';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/store.js';
import type { EventFeed } from './event-feed.js';
import { eventListFilter, streamStart } from './event-query.js';
import { streamEvents } from './event-stream.js';

export interface EventRouteDeps {
  readonly store: Store;
  readonly feed: EventFeed;
  readonly log: Logger;
}

/** GET /events (filtered, paged) and GET /events/stream (server-sent events), mounted under /api/v1. */
export function eventRoutes(deps: EventRouteDeps): Hono {
  const api = new Hono();
  api.get('/events', async (c) => c.json({ items: await deps.store.events.list(eventListFilter(c)) }));
  api.get('/events/stream', (c) => {
    const afterSeq = streamStart(c);
    const release = deps.feed.reserve();
    if (release === undefined) {
      const limit = deps.feed.maxStreams;
      const error = new SluiceError(ErrorCode.TOO_MANY_REQUESTS, `Too many open event streams: this control plane serves at most ${limit} at once; close one or retry later`, {
        details: { limit, open: deps.feed.streams },
        problems: [{ path: 'GET /api/v1/events/stream', message: 'stream limit reached', expected: `at most ${limit} open streams per control plane` }],
      });
      const { body } = toErrorResponse(error, deps.log);
      return c.json(body, 429, { 'retry-after': '5' });
    }
    return streamEvents(c, { store: deps.store, feed: deps.feed, afterSeq, release, log: deps.log });
  });
  return api;
}
