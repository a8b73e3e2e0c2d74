import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { OutboundRefusal, resolveAllowed, staticRefusal, systemResolve, urlHost, type OutboundPolicy, type Resolve } from './outbound-policy.js';

export interface WebhookRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** ok: a 2xx answer. permanent: never retried (refused by the outbound policy, or a redirect). */
export type SendResult = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly error: string; readonly permanent: boolean };

export type WebhookSender = (request: WebhookRequest) => Promise<SendResult>;

/**
 * POSTs over node:http(s). The outbound policy is checked before connecting, and the connection goes
 * to the address that was checked (the lookup answers it), so a name cannot resolve to a public
 * address for the check and a private one for the connection. Redirects are never followed.
 * Errors name the host, never the URL's path or query (which may hold a token).
 */
export function createHttpSender(policy: OutboundPolicy, resolve: Resolve = systemResolve): WebhookSender {
  return async (req) => {
    const refused = staticRefusal(policy, req.url);
    if (refused !== undefined) return { ok: false, error: `refused: ${refused}`, permanent: true };
    const host = urlHost(req.url);
    let target: { address: string; family: number };
    try {
      target = await resolveAllowed(policy, host, resolve);
    } catch (error) {
      const refusal = error instanceof OutboundRefusal;
      return { ok: false, error: `${refusal ? 'refused: ' : ''}${(error as Error).message}`, permanent: refusal };
    }
    return post(req, target, host);
  };
}

function post(req: WebhookRequest, target: { address: string; family: number }, host: string): Promise<SendResult> {
  const url = new URL(req.url);
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: SendResult) => {
      if (!settled) resolve(result);
      settled = true;
    };
    const headers = { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
    const outgoing = request(url, { method: 'POST', headers, lookup, timeout: req.timeoutMs, signal: AbortSignal.timeout(req.timeoutMs) }, (res: IncomingMessage) => {
      res.resume();
      done(resultOf(res, host));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer from ${host} within ${req.timeoutMs} ms`)));
    outgoing.on('error', (error: Error) => done({ ok: false, error: connectionError(error, host, req.timeoutMs), permanent: false }));
    outgoing.end(req.body);
  });
}

function resultOf(res: IncomingMessage, host: string): SendResult {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return { ok: true, status };
  if (status >= 300 && status < 400) return { ok: false, error: `refused: ${host} answered a redirect (HTTP ${status}); redirects are not followed`, permanent: true };
  return { ok: false, error: `${host} answered HTTP ${status}`, permanent: false };
}

function connectionError(error: Error, host: string, timeoutMs: number): string {
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return `no answer from ${host} within ${timeoutMs} ms`;
  const code = (error as { code?: string }).code;
  return code === undefined ? error.message : `${code} connecting to ${host}`;
}
