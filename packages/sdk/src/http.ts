/** What every request to the server shares: the endpoints, the auth header, the fetch to use. */
import { errorForPost, networkError } from './errors.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface Endpoint {
  readonly url: string;
  readonly environment: string;
  readonly token: string | undefined;
  readonly fetch: FetchLike;
}

export function endpointUrl(endpoint: Endpoint, path: 'stream' | 'state' | 'metrics' | 'events'): string {
  const base = endpoint.url.replace(/\/+$/, '');
  if (path === 'events') return `${base}/api/v1/events`;
  if (path === 'metrics') return `${base}/api/v1/flags/metrics`;
  return `${base}/api/v1/flags/${path}?environment=${encodeURIComponent(endpoint.environment)}`;
}

export function headers(endpoint: Endpoint, extra: Record<string, string> = {}): Record<string, string> {
  return endpoint.token ? { authorization: `Bearer ${endpoint.token}`, ...extra } : { ...extra };
}

const KEEPALIVE_LIMIT = 60_000;

/** POSTs JSON; resolves on 2xx, throws a SluiceError otherwise. */
export async function postJson(endpoint: Endpoint, path: 'metrics' | 'events', body: unknown): Promise<void> {
  let response: Response;
  const text = JSON.stringify(body);
  try {
    response = await endpoint.fetch(endpointUrl(endpoint, path), {
      method: 'POST',
      headers: headers(endpoint, { 'content-type': 'application/json' }),
      body: text,
      // keepalive lets a browser finish the request as the page unloads, but caps the body at 64 KiB
      keepalive: text.length < KEEPALIVE_LIMIT,
    });
  } catch (error) {
    throw networkError(`POST ${path}`, error);
  }
  await response.body?.cancel().catch(() => undefined);
  if (!response.ok) throw errorForPost(response.status, `POST ${path}`);
}
