import { ErrorCode, SluiceError, type Clock } from '@sluice/domain';
import type { ProxyObservation } from '@sluice/proxy';
import { Hono, type Context } from 'hono';
import { toErrorResponse } from '../http/error-response.js';
import { limitBody } from '../http/request-input.js';
import type { Logger } from '../platform/logger.js';
import { MAX_OBSERVATIONS_BYTES, MAX_REPORT_BYTES, readObservations, readReport } from './data-plane-input.js';
import { streamRoutes } from './data-plane-stream.js';
import type { DataPlaneReports, RouteFeed } from './route-feed.js';

/** Open data-plane streams one control-plane replica serves at most. */
export const MAX_DATA_PLANE_STREAMS = 1000;

export interface DataPlaneSyncDeps {
  readonly feed: RouteFeed;
  readonly reports: DataPlaneReports;
  /** Where remote data planes' observations go: the same sink as the in-process proxy's. */
  readonly observe: (observation: ProxyObservation) => void;
  readonly clock: Clock;
  readonly log: Logger;
  /** Default MAX_DATA_PLANE_STREAMS. */
  readonly maxStreams?: number;
  /** Default 10 s. */
  readonly heartbeatMs?: number;
  /** Bytes a slow client may leave unread before it is dropped. Default 4 MiB. */
  readonly maxQueuedBytes?: number;
  /** How long a client may leave that much unread before it is dropped. Default 10 s. */
  readonly slowClientMs?: number;
}

/** `Last-Event-ID`, else `?after=`: the generation to resume after; undefined for a snapshot. */
function resumeAfter(c: Context): number | undefined {
  const header = c.req.header('last-event-id');
  const [raw, where] = header !== undefined ? [header.trim(), 'Last-Event-ID'] : [c.req.query('after'), '?after'];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `${where} is not a generation`, {
      problems: [{ path: where, message: 'not a generation', found: raw.slice(0, 40), expected: 'a whole number, 0 or more (0: start with a snapshot)' }],
    });
  }
  return Number(raw);
}

/**
 * The remote data planes' API, mounted under /api/v1: GET /data-plane/stream (route tables, as
 * server-sent events), POST /data-plane/reports (what a data plane serves) and POST
 * /data-plane/observations (its requests, for the traffic windows analysis and the guard read).
 */
export function dataPlaneSyncRoutes(deps: DataPlaneSyncDeps): Hono {
  const api = new Hono();
  const maxStreams = deps.maxStreams ?? MAX_DATA_PLANE_STREAMS;
  let open = 0;
  api.get('/data-plane/stream', (c) => {
    const after = resumeAfter(c);
    if (open >= maxStreams) {
      const error = new SluiceError(ErrorCode.TOO_MANY_REQUESTS, `Too many open data-plane streams: this control plane serves at most ${maxStreams} at once; retry later or on another replica`, {
        details: { limit: maxStreams, open },
        problems: [{ path: 'GET /api/v1/data-plane/stream', message: 'stream limit reached', expected: `at most ${maxStreams} open streams per control plane` }],
      });
      const { body } = toErrorResponse(error, deps.log);
      return c.json(body, 429, { 'retry-after': '5' });
    }
    open++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      open--;
    };
    return streamRoutes(c, {
      feed: deps.feed,
      after,
      release,
      log: deps.log,
      ...(deps.heartbeatMs === undefined ? {} : { heartbeatMs: deps.heartbeatMs }),
      ...(deps.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: deps.maxQueuedBytes }),
      ...(deps.slowClientMs === undefined ? {} : { slowClientMs: deps.slowClientMs }),
    });
  });
  api.post('/data-plane/reports', limitBody(MAX_REPORT_BYTES, deps.log), async (c) => {
    const report = readReport(await c.req.text());
    await deps.reports.record(report, deps.clock.now());
    return c.body(null, 204);
  });
  api.post('/data-plane/observations', limitBody(MAX_OBSERVATIONS_BYTES, deps.log), async (c) => {
    const { observations } = readObservations(await c.req.text());
    for (const observation of observations) deps.observe(observation);
    return c.body(null, 204);
  });
  return api;
}
