import { ErrorCode, SluiceError, murmur3 } from '@sluice/domain';

/**
 * Names and literals in a rendered HAProxy config. Proxy names allow only [A-Za-z0-9_.:-], so a
 * service or version name is kept readable where it can be and disambiguated by a short hash
 * where characters had to be replaced.
 */

function safePart(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40);
  return cleaned === name ? name : `${cleaned}-${murmur3(name).toString(36)}`;
}

/** The frontend of a service: `f:<service>`. */
export function frontendName(service: string): string {
  return `f:${safePart(service)}`;
}

/** The backend of one version of a service: `<service>:<version>`. */
export function backendName(service: string, version: string): string {
  return `${safePart(service)}:${safePart(version)}`;
}

/** The key of a service's entry in the split map (no spaces, unique per service). */
export function mapKey(service: string): string {
  return safePart(service);
}

/** The server name of the `index`-th endpoint of a version: `<version>-<index>`. */
export function serverName(version: string, index: number): string {
  return `${safePart(version)}-${index}`;
}

/** The xxh32 seed that stands for a salt: keys bucket independently per salt, like the built-in proxy. */
export function seedOf(salt: string): number {
  return murmur3(salt);
}

/** A config word holding any printable text: single-quoted when possible, else double-quoted with escapes. */
export function quote(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw unsupported(`the value ${JSON.stringify(value)} holds a control character`);
  }
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** A header, cookie or query parameter name usable inside a sample fetch argument. */
export function fetchArg(kind: string, name: string): string {
  if (!/^[A-Za-z0-9_.!#%&*+^`|~-]+$/.test(name)) {
    throw unsupported(`the ${kind} name ${JSON.stringify(name)} cannot be written in a HAProxy sample fetch`);
  }
  return name;
}

/** UNSUPPORTED_CAPABILITY naming HAProxy. */
export function unsupported(what: string): SluiceError {
  return new SluiceError(ErrorCode.UNSUPPORTED_CAPABILITY, `HAProxy data plane: ${what}`);
}

/** "http://127.0.0.1:4000" → { address: "127.0.0.1:4000", ssl: false }. */
export function serverAddress(endpoint: string): { readonly address: string; readonly ssl: boolean } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `HAProxy data plane: endpoint ${JSON.stringify(endpoint)} is not a URL`);
  }
  const ssl = url.protocol === 'https:';
  if (!ssl && url.protocol !== 'http:') throw unsupported(`endpoint ${endpoint}: only http and https upstreams`);
  const port = url.port === '' ? (ssl ? '443' : '80') : url.port;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`, ssl };
}
