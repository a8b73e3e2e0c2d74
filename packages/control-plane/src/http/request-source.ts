import { isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';

declare module 'hono' {
  interface ContextVariableMap {
    /** The client address of the request (see `sourceOf`), set by `sourceMiddleware`. */
    sluiceSource: string | undefined;
  }
}

/** The longest address kept (an IPv6 address with a zone is at most ~50 characters). */
export const MAX_SOURCE_LENGTH = 64;

/** The socket's peer as @hono/node-server hands it over (`c.env.incoming`); absent under app.request(). */
function socketAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: unknown } } } | undefined;
  const address = env?.incoming?.socket?.remoteAddress;
  return typeof address === 'string' ? cleanAddress(address) : undefined;
}

/** An IP address as text, IPv4-mapped IPv6 as plain IPv4; undefined for anything that is not an IP address. */
export function cleanAddress(raw: string): string | undefined {
  let text = raw.trim();
  if (text.length === 0 || text.length > MAX_SOURCE_LENGTH) return undefined;
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(text);
  if (mapped?.[1] !== undefined) text = mapped[1];
  const zone = text.indexOf('%');
  const bare = zone >= 0 ? text.slice(0, zone) : text;
  return isIP(bare) === 0 ? undefined : text.toLowerCase();
}

/**
 * The client address a trusted proxy reported: the LAST entry of `X-Forwarded-For`, the one the proxy
 * in front of Sluice appended for the peer it saw. Entries before it were written by the client or
 * earlier hops and could be forged, so they are never used. Undefined when the header is absent, too
 * long or its last entry is not an IP address.
 */
export function forwardedClient(header: string | undefined): string | undefined {
  if (header === undefined || header.length > 4096) return undefined;
  const last = header.split(',').at(-1);
  return last === undefined ? undefined : cleanAddress(last);
}

/**
 * Who sent the request, for the audit log: the socket's peer address, or with `trustProxy` (sluice
 * server --trust-proxy, for a control plane behind a reverse proxy) the client the proxy reported in
 * `X-Forwarded-For`, falling back to the peer when the header is missing or malformed.
 */
export function requestSource(c: Context, trustProxy: boolean): string | undefined {
  const peer = socketAddress(c);
  if (!trustProxy) return peer;
  return forwardedClient(c.req.header('x-forwarded-for')) ?? peer;
}

/** Works out each request's source once, before the routes run. */
export function sourceMiddleware(trustProxy: boolean): MiddlewareHandler {
  return async (c, next) => {
    c.set('sluiceSource', requestSource(c, trustProxy));
    await next();
  };
}

/** The client IP address of the request for event metadata (see `requestSource`); undefined when unknown. */
export function sourceOf(c: Context): string | undefined {
  return c.get('sluiceSource') ?? socketAddress(c);
}
