import type { AddressInfo } from 'node:net';
import { ErrorCode, SluiceError } from '@sluice/domain';

/** A parsed `host:port`. `host` is undefined for ":port" (every interface). */
export interface ListenAddress {
  readonly host: string | undefined;
  readonly port: number;
}

/** Parses "127.0.0.1:8080", "localhost:0", "[::1]:8080" or ":8080". Throws INVALID_SPEC otherwise. */
export function parseListen(service: string, listen: string): ListenAddress {
  const colon = listen.lastIndexOf(':');
  const rawHost = colon === -1 ? '' : listen.slice(0, colon);
  const rawPort = colon === -1 ? '' : listen.slice(colon + 1);
  const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : Number.NaN;
  const bracketed = rawHost.startsWith('[') && rawHost.endsWith(']');
  const host = bracketed ? rawHost.slice(1, -1) : rawHost;
  if (!(port >= 0 && port <= 65535) || (!bracketed && host.includes(':'))) {
    throw new SluiceError(
      ErrorCode.INVALID_SPEC,
      `route "${service}": listen address "${listen}" is not host:port; expected e.g. "127.0.0.1:8080" or "[::1]:0"`,
      { details: { service, listen } },
    );
  }
  return { host: host === '' ? undefined : host, port };
}

/** The host:port a server really bound, with IPv6 hosts in brackets. */
export function formatAddress(address: AddressInfo | string | null): string {
  if (address === null) return '';
  if (typeof address === 'string') return address;
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}
