import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ErrorCode, SluiceError } from '@sluice/domain';

/**
 * Which hosts webhooks may reach. With an allow-list (`--webhook-allow-host`), only the hosts it names
 * (exact, or `*.example.com` for any name under example.com), whatever they resolve to: the operator
 * vouched for them. Without one, any host whose every address is public: never loopback, private,
 * link-local (cloud metadata at 169.254.169.254 included), shared, multicast or reserved ranges.
 */
export interface OutboundPolicy {
  /** Lower-case host names, IP literals or `*.domain` patterns; empty = public addresses only. */
  readonly allowHosts: readonly string[];
}

const HOST_ENTRY = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** Reads `HOST[,HOST…]` (flag or SLUICE_WEBHOOK_ALLOW_HOSTS); INVALID_REQUEST names a bad entry. */
export function parseWebhookAllowHosts(text: string | undefined, option = '--webhook-allow-host'): string[] {
  if (text === undefined || text.trim() === '') return [];
  const entries = text.split(',').map((h) => h.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1'));
  if (entries.length > 100) throw badHosts(option, `${entries.length} hosts`, 'at most 100 hosts');
  for (const entry of entries) {
    if (entry.length > 253 || (isIP(entry) === 0 && !HOST_ENTRY.test(entry))) {
      throw badHosts(option, entry, 'host names, IP addresses or *.domain patterns separated by ","');
    }
  }
  return entries;
}

function badHosts(option: string, found: string, expected: string): SluiceError {
  return new SluiceError(ErrorCode.INVALID_REQUEST, `${option}: "${found}" is not a list of webhook hosts`, {
    problems: [{ path: option, message: 'invalid webhook host', found, expected }],
  });
}

/** The host of a URL as compared with the list: lower-case, IPv6 without brackets. */
export function urlHost(url: string): string {
  return new URL(url).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

export function isListed(policy: OutboundPolicy, host: string): boolean {
  return policy.allowHosts.some((entry) => (entry.startsWith('*.') ? host.endsWith(entry.slice(1)) && host.length > entry.length - 1 : entry === host));
}

const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32],
  ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) BLOCKED.addSubnet(net, bits, 'ipv6');

/** Whether an address is loopback, private, link-local, metadata, multicast or otherwise not public. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? ipv4OfMappedHex(address);
  if (mapped !== undefined) return BLOCKED.check(mapped, 'ipv4');
  return BLOCKED.check(address, 'ipv6');
}

/** `::ffff:7f00:1` → `127.0.0.1`. */
function ipv4OfMappedHex(address: string): string | undefined {
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!m) return undefined;
  const [hi, lo] = [parseInt(m[1] as string, 16), parseInt(m[2] as string, 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Why a URL may not be reached without resolving it, or undefined (apply's check and the sender's first). */
export function staticRefusal(policy: OutboundPolicy, url: string): string | undefined {
  const host = urlHost(url);
  if (policy.allowHosts.length > 0) return isListed(policy, host) ? undefined : `host ${host} is not in the webhook allow-list (--webhook-allow-host)`;
  if (isIP(host) !== 0 && isNonPublicAddress(host)) return `address ${host} is not public (loopback, private, link-local or reserved)`;
  if (host === 'localhost' || host.endsWith('.localhost')) return `host ${host} is loopback`;
  return undefined;
}

export type Resolve = (host: string) => Promise<readonly { address: string; family: number }[]>;

export const systemResolve: Resolve = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Resolves a host and checks every address it has; answers the address to connect to (so the
 * connection goes where the check looked), or throws with why it is refused.
 */
export async function resolveAllowed(policy: OutboundPolicy, host: string, resolve: Resolve = systemResolve): Promise<{ address: string; family: number }> {
  if (isIP(host) !== 0) {
    if (!isListed(policy, host) && isNonPublicAddress(host)) throw new OutboundRefusal(`address ${host} is not public`);
    return { address: host, family: isIP(host) };
  }
  const addresses = await resolve(host);
  const first = addresses[0];
  if (first === undefined) throw new Error(`${host} has no address`);
  if (!isListed(policy, host)) {
    const bad = addresses.find((a) => isNonPublicAddress(a.address));
    if (bad) throw new OutboundRefusal(`${host} resolves to ${bad.address}, which is not public`);
  }
  return first;
}

/** A refusal by the outbound policy: permanent, never retried. */
export class OutboundRefusal extends Error {
  override readonly name = 'OutboundRefusal';
}
