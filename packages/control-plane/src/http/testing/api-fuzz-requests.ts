import type { FuzzRandom } from '@sluice/domain/testing/fuzz-random';
import { hostileSpec, mutateSpec } from '@sluice/spec/testing/spec-mutations';
import { openApiDocument } from '../openapi.js';

/** One request of the API fuzz test: any method, a raw path with query, headers and a body. */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Routes the OpenAPI document does not list (flags, the flag clients' and Unleash routes, the probes). */
const EXTRA_ROUTES: readonly (readonly [method: string, path: string])[] = [
  ['get', '/healthz'], ['get', '/metrics'],
  ['get', '/api/v1/flags'], ['get', '/api/v1/flags/stale'], ['get', '/api/v1/flags/{name}'], ['get', '/api/v1/flags/{name}/history'],
  ['post', '/api/v1/flags/{name}/environments/{environment}'], ['post', '/api/v1/flags/{name}/kill'], ['post', '/api/v1/flags/{name}/restore'],
  ['post', '/api/v1/flags/evaluate'], ['get', '/api/v1/flags/state'], ['post', '/api/v1/flags/metrics'],
  ['get', '/api/client/features'], ['get', '/api/client/delta'], ['post', '/api/client/metrics'], ['post', '/api/client/register'],
];

/** Every route to fuzz, as method and path template; event and flag streams (which stay open) are left out. */
export function fuzzRoutes(): (readonly [string, string])[] {
  const paths = (openApiDocument() as { paths: Record<string, Record<string, unknown>> }).paths;
  const documented = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => [m, `/api/v1${path}`] as const));
  return [...documented, ...EXTRA_ROUTES].filter(([, path]) => !path.endsWith('/stream') && !path.endsWith('/streaming'));
}

const NAMES = ['shop', 'shop-v2', 'new-checkout', 'button-color', 'beta-testers', 'internal-testers', 'production', 'development', 'v1', 'v2'];
// Methods Node's HTTP parser knows; others (a lower-case "get") are refused by it before the API sees them.
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND', 'PURGE'];
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/yaml', 'text/plain', '', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/jsonx'];
const QUERY_NAMES = ['after', 'dryRun', 'service', 'phase', 'environment', 'limit', 'type', 'full', 'since', 'window', 'rollout', 'before'];

/** Bytes as %XX escapes: invalid UTF-8, NULs, slashes and dots included. */
function escapedBytes(rng: FuzzRandom, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += `%${rng.int(256).toString(16).padStart(2, '0')}`;
  return out;
}

function segment(rng: FuzzRandom): string {
  switch (rng.int(8)) {
    case 0: return rng.string(rng.range(1, 40), 'abcdefghijklmnopqrstuvwxyz0123456789-');
    case 1: return 'n'.repeat(rng.pick([253, 254, 1000, 8000]));
    case 2: return escapedBytes(rng, rng.range(1, 12));
    case 3: return rng.pick(['%', '%zz', '..', '.', '%2e%2e', '%2F', '~', "'", '%00', 'a%20b', '__proto__', 'constructor']);
    default: return rng.pick(NAMES);
  }
}

function query(rng: FuzzRandom): string {
  if (rng.chance(0.4)) return '';
  const parts = Array.from({ length: rng.range(1, 4) }, () => {
    const name = rng.chance(0.9) ? rng.pick(QUERY_NAMES) : escapedBytes(rng, 3);
    const value = rng.pick(['', '0', '1', '-1', 'true', 'false', 'yes', '1e3', '99999999999999999999', String(rng.int(1000)), rng.pick(NAMES), escapedBytes(rng, 4), 'x'.repeat(3000), '%']);
    return rng.chance(0.1) ? name : `${name}=${value}`;
  });
  return `?${parts.join('&')}`;
}

/** A JSON value of bounded size: the shapes command bodies take, with wrong types, huge numbers and long strings. */
function jsonValue(rng: FuzzRandom, depth: number): unknown {
  switch (depth > 3 ? rng.int(6) : rng.int(9)) {
    case 0: return null;
    case 1: return rng.pick([true, false]);
    case 2: return rng.pick([0, -1, 1, 1.5, 1e308, -1e308, 2 ** 53, 101, 4294967296]);
    case 3: return rng.pick(['', 'x', 'production', 'v2', 'alice', rng.unicode(rng.range(1, 30)), 'y'.repeat(rng.pick([1001, 20_000]))]);
    case 4: return rng.pick(NAMES);
    case 5: return rng.int(100);
    case 6: return Array.from({ length: rng.range(0, 5) }, () => jsonValue(rng, depth + 1));
    default: {
      const keys = ['reason', 'full', 'comment', 'item', 'variant', 'force', 'version', 'enabled', 'rollout', 'environment', 'context', 'userId', 'properties', 'events', 'name', 'value', 'to', 'revision', 'bucket', 'toggles', 'appName'];
      return Object.fromEntries(Array.from({ length: rng.range(0, 5) }, () => [rng.chance(0.9) ? rng.pick(keys) : rng.unicode(5), jsonValue(rng, depth + 1)]));
    }
  }
}

function body(rng: FuzzRandom, path: string, seeds: readonly string[]): string {
  if (path.endsWith('/apply')) {
    const text = rng.chance(0.1) ? hostileSpec(rng) : mutateSpec(rng, seeds);
    return rng.chance(0.2) ? JSON.stringify({ files: [{ name: 'a.yaml', text }, rng.chance(0.5) ? { name: 1, text } : { name: 'b.yaml', text: rng.pick(seeds) }] }) : text;
  }
  switch (rng.int(10)) {
    case 0: return '';
    case 1: return rng.pick(['{', 'nul', '[]', '"x"', '1', 'null', '{"a":1,"a":2}', '\u0000', '{"reason":"\\ud800"}', '\ufeff{}']);
    case 2: return `${'['.repeat(rng.range(100, 8000))}${']'.repeat(rng.range(0, 8000))}`;
    case 3: return JSON.stringify({ reason: 'r'.repeat(rng.pick([1000, 1001, 17_000])) });
    case 4: return rng.unicode(rng.range(1, 200));
    default: return JSON.stringify(jsonValue(rng, 0)) ?? '';
  }
}

/** A random request to one of `routes`, most of them well aimed (the route's method and a JSON body), some not. */
export function fuzzRequest(rng: FuzzRandom, routes: readonly (readonly [string, string])[], seeds: readonly string[]): FuzzRequest {
  const [declared, template] = rng.pick(routes);
  const method = rng.chance(0.85) ? declared.toUpperCase() : rng.pick(METHODS);
  let path = template.replace(/\{[a-z]+\}/g, () => segment(rng));
  if (rng.chance(0.05)) path = `${path}${rng.pick(['/', '//', '/extra', '%00', '/..', '.json'])}`;
  path += query(rng);
  const headers: Record<string, string> = {};
  const type = rng.chance(0.7) ? 'application/json' : rng.pick(CONTENT_TYPES);
  if (type !== '') headers['content-type'] = type;
  if (rng.chance(0.2)) headers['x-sluice-actor'] = rng.pick(['alice', '', ' ', 'a'.repeat(500), 'caf\u00e9']);
  if (rng.chance(0.1)) headers['x-sluice-filename'] = rng.pick(['%', '%E9', 'a.yaml', '../../etc/passwd', 'f'.repeat(1000)]);
  if (rng.chance(0.1)) headers['authorization'] = rng.pick(['', 'Bearer x', '*:production.abc', 'x'.repeat(2000)]);
  const withBody = method !== 'GET' && method !== 'HEAD';
  return { method, path, headers, body: withBody ? body(rng, path.split('?')[0] ?? '', seeds) : '' };
}
