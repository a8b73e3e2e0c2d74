import { isIPv4, isIPv6 } from 'node:net';
import { ErrorCode, SluiceError, type Service } from '@sluice/domain';

/**
 * Where a load step may send requests. A load generator is a small denial-of-service tool, so it is
 * pointed only at what the service itself declares: loopback addresses (instances Sluice runs) or the
 * hosts of the service's `upstreams` URLs. Anything else is refused before one request is sent.
 *
 * Refusals are SluiceError(INVALID_SPEC): the specs (the service's versions and the rollout's load
 * step) ask for load against a host they do not declare, and the fix is to change a spec (list the
 * host as an upstream, or drop the step). UNSUPPORTED_CAPABILITY is documented as "the configured
 * data plane cannot do it", which would send the reader to the wrong place.
 */

/** Most targets one generator takes (instances of one version). */
export const MAX_LOAD_TARGETS = 256;

const LOOPBACK_TEXT = 'loopback addresses (127.0.0.0/8, ::1, localhost)';
/** `[::ffff:127.x.y.z]` as the URL parser writes it: `[::ffff:7fxx:yyzz]`. */
const MAPPED_LOOPBACK = /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/;

/** True for a URL hostname (as `new URL().hostname` writes it) that is a loopback address. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  if (isIPv4(host)) return host.startsWith('127.');
  return MAPPED_LOOPBACK.test(host);
}

/** A host as the URL parser normalises it (lower case, IPv4 in dotted form, IPv6 in brackets); undefined if it is not one. */
export function normaliseHost(host: string): string | undefined {
  const bare = host.trim();
  const inner = bare.startsWith('[') && bare.endsWith(']') ? bare.slice(1, -1) : bare;
  if (isIPv6(inner)) return URL.canParse(`http://[${inner}]/`) ? new URL(`http://[${inner}]/`).hostname : undefined;
  if (bare === '' || bare.length > 255 || /[\s:/\\@?#[\]]/.test(bare)) return undefined;
  return URL.canParse(`http://${bare}/`) ? new URL(`http://${bare}/`).hostname : undefined;
}

/** The hosts of a service's `upstreams` URLs (every version): the non-loopback hosts load may go to. */
export function upstreamHosts(service: Service): string[] {
  const hosts = new Set<string>();
  for (const source of Object.values(service.spec.versions)) {
    if (source.kind !== 'upstreams') continue;
    for (const upstream of source.upstreams) {
      const host = URL.canParse(upstream) ? new URL(upstream).hostname : undefined;
      if (host) hosts.add(host);
    }
  }
  return [...hosts];
}

function refuse(message: string, details: Record<string, unknown>): SluiceError {
  return new SluiceError(ErrorCode.INVALID_SPEC, `Load step refused: ${message}`, { details });
}

/** Parses one target; the URL text is never echoed, as it may carry credentials. */
function parseTarget(text: string, index: number): URL {
  if (text.length > 2048 || !URL.canParse(text)) throw refuse(`target #${index + 1} is not a valid URL`, { target: index });
  const url = new URL(text);
  if (url.protocol !== 'http:') {
    throw refuse(`target #${index + 1} (host "${url.hostname}") uses ${url.protocol} but load is sent over http: only`, { target: index, host: url.hostname, protocol: url.protocol });
  }
  if (url.username !== '' || url.password !== '') {
    throw refuse(`target #${index + 1} (host "${url.hostname}") carries credentials in its URL; load requests never send them`, { target: index, host: url.hostname });
  }
  return url;
}

/**
 * Checks every target before a load starts and returns them parsed. A target is allowed when it is an
 * http: URL whose host is loopback or one of `allowedHosts` (compared as the URL parser normalises
 * hosts, so `API.internal` matches `api.internal`). Throws SluiceError(INVALID_SPEC) naming the host.
 */
export function checkLoadTargets(urls: readonly string[], allowedHosts: readonly string[]): URL[] {
  if (urls.length === 0) throw refuse('there is no target to send load to', {});
  if (urls.length > MAX_LOAD_TARGETS) throw refuse(`${urls.length} targets is more than ${MAX_LOAD_TARGETS}`, { targets: urls.length });
  const allowed = new Set(allowedHosts.slice(0, MAX_LOAD_TARGETS * 4).map(normaliseHost).filter((h) => h !== undefined));
  return urls.map((text, index) => {
    const url = parseTarget(text, index);
    if (isLoopbackHost(url.hostname) || allowed.has(url.hostname)) return url;
    const listed = allowed.size === 0 ? 'the service has no upstreams' : `upstream hosts: ${[...allowed].slice(0, 10).join(', ')}`;
    throw refuse(
      `target host "${url.hostname}" is neither one of the ${LOOPBACK_TEXT} nor a host of the service's upstreams (${listed})`,
      { target: index, host: url.hostname, allowedHosts: [...allowed].slice(0, 10) },
    );
  });
}
