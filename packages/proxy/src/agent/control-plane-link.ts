import { EventStreamReader, type StreamMessage } from './event-stream-reader.js';

/** The data-plane API paths, under each control-plane base URL. */
export const STREAM_PATH = '/api/v1/data-plane/stream';
export const REPORTS_PATH = '/api/v1/data-plane/reports';
export const OBSERVATIONS_PATH = '/api/v1/data-plane/observations';

/** Normalises `--control-plane` URLs: http(s) only, no trailing slash. Throws naming the bad one. */
export function parseControlPlaneUrls(text: string): string[] {
  const urls = text.split(',').map((u) => u.trim()).filter((u) => u !== '');
  if (urls.length === 0) throw new Error('--control-plane: no URL given; expected URL[,URL…], e.g. http://10.0.0.5:7070');
  return urls.map((raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Error(`--control-plane: "${raw}" is not a URL; expected http(s)://HOST:PORT`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--control-plane: "${raw}" is not http or https`);
    if (url.username !== '' || url.password !== '') throw new Error('--control-plane: put credentials in SLUICE_TOKEN, not in the URL');
    return url.href.replace(/\/+$/, '');
  });
}

/** Where a stream resumes: the changes after `generation`, or (at 0) a snapshot first. */
export function streamUrl(base: string, generation: number): string {
  return generation > 0 ? `${base}${STREAM_PATH}?after=${generation}` : `${base}${STREAM_PATH}`;
}

/** Backoff before the `failures`-th retry: doubling from 200 ms up to `maxMs`, each with jitter (half to all of it). */
export function backoffMs(failures: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, 200 * 2 ** Math.min(Math.max(failures - 1, 0), 16));
  return Math.round(base * (0.5 + random() * 0.5));
}

/** Headers of every request to a control plane: the bearer token when one is set (never logged). */
export function authHeaders(token: string | undefined): Record<string, string> {
  return token === undefined || token === '' ? {} : { authorization: `Bearer ${token}` };
}

/** POSTs JSON; throws on a network failure, a timeout or a non-2xx answer (with its status). */
export async function postJson(url: string, body: unknown, token: string | undefined, timeoutMs: number): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(token) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.body?.cancel().catch(() => undefined);
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status}`);
}

export interface OpenStream {
  readonly signal: AbortSignal;
  /** Called for every message, one at a time, in order: the next waits for the promise. */
  readonly onMessage: (message: StreamMessage) => Promise<void>;
  /** Called once the answer is 200 and the stream is open. */
  readonly onOpen: () => void;
  /** Nothing (not even a heartbeat) for this long: the connection is taken for dead. */
  readonly idleTimeoutMs: number;
  readonly token: string | undefined;
}

/** Reads one stream until it ends, fails, goes quiet for idleTimeoutMs, or the signal aborts. */
export async function readStream(url: string, options: OpenStream): Promise<void> {
  const idle = new AbortController();
  const signal = AbortSignal.any([options.signal, idle.signal]);
  let timer = setTimeout(() => idle.abort(new Error(`no data for ${options.idleTimeoutMs} ms`)), options.idleTimeoutMs);
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new Error(`no data for ${options.idleTimeoutMs} ms`)), options.idleTimeoutMs);
  };
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...authHeaders(options.token) }, signal });
    if (response.status !== 200 || response.body === null) {
      const text = await response.text().catch(() => '');
      throw new Error(`HTTP ${response.status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`);
    }
    options.onOpen();
    const reader = new EventStreamReader();
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      alive();
      for (const message of reader.push(decoder.decode(chunk, { stream: true }))) {
        await options.onMessage(message);
        alive(); // applying (a removal drains) is not the connection going quiet
      }
    }
  } catch (error) {
    if (idle.signal.aborted && !options.signal.aborted) throw idle.signal.reason as Error;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
