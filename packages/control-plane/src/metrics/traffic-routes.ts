import { ErrorCode, formatDuration, parseDuration, SluiceError, type Problem } from '@sluice/domain';
import { Hono, type Context } from 'hono';
import type { SeriesKey, TrafficWindow, TrafficWindows } from './traffic-windows.js';

export interface TrafficRoutesOptions {
  /** Whether the service exists; when given, an unknown service answers SERVICE_NOT_FOUND instead of zeros. */
  readonly serviceExists?: ((name: string) => boolean | Promise<boolean>) | undefined;
}

/** The answer of GET /services/{name}/traffic. */
export interface TrafficView extends TrafficWindow {
  readonly service: string;
  /** The filters applied; null when the answer covers every version (route). */
  readonly version: string | null;
  readonly route: string | null;
  /** The window length asked for, e.g. "60s". */
  readonly window: string;
  /** Every (version, route) the service has a series for. */
  readonly series: readonly SeriesKey[];
}

const DEFAULT_WINDOW = '60s';
const MIN_WINDOW_MS = 1000;
const MAX_WINDOW_MS = 15 * 60_000;
/** Version and route names are spec names ([a-z0-9.-]), "split" or "_other". */
const LABEL = /^[A-Za-z0-9._-]{1,63}$/;

function invalid(name: string, problem: Omit<Problem, 'path'>): SluiceError {
  return new SluiceError(ErrorCode.INVALID_REQUEST, `Query parameter "${name}" is invalid`, { problems: [{ path: `?${name}`, ...problem }] });
}

/** `?window`: whole seconds, from 1s to the lesser of 15m and the retention. */
function windowQuery(c: Context, retentionSeconds: number): number {
  const raw = c.req.query('window') ?? DEFAULT_WINDOW;
  const max = Math.min(MAX_WINDOW_MS, retentionSeconds * 1000);
  const expected = `a duration in whole seconds from 1s to ${formatDuration(max)}, e.g. 60s or 5m`;
  const ms = parseDuration(raw);
  if (ms === undefined) throw invalid('window', { message: 'not a duration', found: raw.slice(0, 40), expected });
  if (ms < MIN_WINDOW_MS || ms > max || ms % 1000 !== 0) throw invalid('window', { message: 'duration out of range', found: raw.slice(0, 40), expected });
  return ms;
}

/** `?version` / `?route`: optional label filters. */
function labelQuery(c: Context, name: 'version' | 'route'): string | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || LABEL.test(raw)) return raw;
  const expected = name === 'version' ? 'a version name, e.g. v2' : 'a routing rule name, "split" or "_other"';
  throw invalid(name, { message: raw === '' ? 'empty' : 'not a name', found: raw.slice(0, 40), expected });
}

/**
 * GET /services/{name}/traffic?window=60s[&version=V][&route=R]: the service's traffic over the last
 * `window` of whole seconds (the second in progress is left out, so rates are not diluted), with
 * totals and one entry per second. Mount under /api/v1; errors go to the parent app's onError.
 */
export function trafficRoutes(windows: TrafficWindows, options: TrafficRoutesOptions = {}): Hono {
  const app = new Hono();
  app.get('/services/:name/traffic', async (c) => {
    const service = c.req.param('name');
    const windowMs = windowQuery(c, windows.retentionSeconds);
    const version = labelQuery(c, 'version');
    const route = labelQuery(c, 'route');
    if (options.serviceExists !== undefined && !(await options.serviceExists(service))) {
      throw new SluiceError(ErrorCode.SERVICE_NOT_FOUND, `Service "${service}" does not exist`, { details: { service } });
    }
    const toMs = Math.floor(windows.now() / 1000) * 1000;
    const traffic = windows.window({ service, version, route, fromMs: toMs - windowMs, toMs });
    const view: TrafficView = { service, version: version ?? null, route: route ?? null, window: formatDuration(windowMs), series: windows.series(service), ...traffic };
    return c.json(view);
  });
  return app;
}
