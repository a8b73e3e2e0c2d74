/** Network errors a GET may meet after an nginx reload before it reaches a live connection. */
const ATTEMPTS = 3;

/**
 * One GET; a network error (a keep-alive connection an nginx reload closed under the request) is
 * retried, as browsers do for an idempotent request that got no response byte: up to 3 attempts,
 * since the next pooled connection may have been closed by the same reload. HTTP error statuses are
 * returned, never retried.
 */
async function getOnce(url: string, headers: Record<string, string>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { headers });
    } catch (error) {
      if (attempt >= ATTEMPTS) throw error;
    }
  }
}

/** Sends `n` GETs through the proxy (50 at a time) and counts the version that answered each. */
export async function sample(address: string, n: number, headers: (i: number) => Record<string, string> = () => ({})): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let start = 0; start < n; start += 50) {
    const batch = Array.from({ length: Math.min(50, n - start) }, async (_, j) => {
      const res = await getOnce(`http://${address}/`, headers(start + j));
      const body = await res.text();
      if (res.status !== 200) throw new Error(`proxy answered ${res.status} (version ${res.headers.get('x-sluice-version') ?? '-'}, generation ${res.headers.get('x-sluice-generation') ?? '-'}): ${body.slice(0, 200)}`);
      const version = res.headers.get('x-sluice-version') ?? 'none';
      counts.set(version, (counts.get(version) ?? 0) + 1);
    });
    await Promise.all(batch);
  }
  return counts;
}

/** Which version each sticky user (by x-user-id) is served. */
export async function versionsOf(address: string, users: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let start = 0; start < users.length; start += 50) {
    await Promise.all(
      users.slice(start, start + 50).map(async (user) => {
        const res = await getOnce(`http://${address}/`, { 'x-user-id': user });
        await res.arrayBuffer();
        out.set(user, res.headers.get('x-sluice-version') ?? 'none');
      }),
    );
  }
  return out;
}

/** |observed − p| within `z` standard deviations of a binomial(n, p) proportion. */
export function withinBinomial(observed: number, n: number, p: number, z = 4.5): boolean {
  const sd = Math.sqrt((p * (1 - p)) / n);
  return Math.abs(observed / n - p) <= z * sd + 1 / n;
}
