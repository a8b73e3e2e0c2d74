/// <reference types="node" />
/**
 * The Node transport: requests over node:http / node:https with keep-alive agents instead of the
 * global fetch (undici). Behaviour is the same; a stream message costs a fraction of the CPU, which
 * is what lets one process hold a thousand live streams and still see a change in milliseconds
 * (`npm run bench:flag-push`). Browsers use the global fetch (the main entry).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { FetchLike } from '../http.js';
import { DIRECT_BODY } from '../sse.js';

const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

function toHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return headers;
}

function plainHeaders(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => (out[name] = value));
  return out;
}

/** A fetch for the SDK's needs (GET and POST with a string body, abort signals, streamed bodies). */
export const nodeFetch: FetchLike = (input, init) =>
  new Promise((resolve, reject) => {
    const url = new URL(input);
    const https = url.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    const req = send(url, { method: init?.method ?? 'GET', headers: plainHeaders(init), agent: https ? httpsAgent : httpAgent, ...(init?.signal ? { signal: init.signal } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      const headers = toHeaders(res);
      const empty = status === 204 || status === 304;
      if (empty) res.resume();
      if (status === 200 && (headers.get('content-type') ?? '').includes('text/event-stream')) {
        // An event stream is read straight from the socket's message (see DIRECT_BODY).
        const response = new Response(null, { status, headers });
        resolve(Object.assign(response, { [DIRECT_BODY]: res }));
        return;
      }
      const body = empty ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
      resolve(new Response(body, { status, headers }));
    });
    req.on('error', reject);
    const body = init?.body;
    req.end(typeof body === 'string' ? body : undefined);
  });
