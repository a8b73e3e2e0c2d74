// Observed split of a proxy: a sample of requests without any stickiness key, counted by x-backend.
import { Agent, request } from 'node:http';

/** How many sampled responses came from each backend. */
export interface SplitCount {
  readonly v1: number;
  readonly v2: number;
  /** Failed requests and responses without a known x-backend header. */
  readonly other: number;
}

/** Canary share in percent of the answered v1+v2 responses; NaN when none answered. */
export function canaryPercent(count: SplitCount): number {
  const answered = count.v1 + count.v2;
  return answered === 0 ? Number.NaN : (count.v2 / answered) * 100;
}

/** Three standard deviations of a sampled share (percentage points) around the expected percent. */
export function samplingTolerancePct(expectedPercent: number, samples: number): number {
  const p = expectedPercent / 100;
  return samples <= 0 ? Number.NaN : 3 * Math.sqrt((p * (1 - p)) / samples) * 100;
}

function one(url: string, agent: Agent): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.once('end', () => {
        const backend = res.headers['x-backend'];
        resolve(res.statusCode === 200 && typeof backend === 'string' ? backend : undefined);
      });
    });
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/** Sends `total` GETs over `concurrency` keep-alive connections and counts the backends that answered. */
export async function sampleSplit(url: string, total: number, concurrency = 16): Promise<SplitCount> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const counts = { v1: 0, v2: 0, other: 0 };
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < total) {
      sent++;
      const backend = await one(url, agent);
      if (backend === 'v1') counts.v1++;
      else if (backend === 'v2') counts.v2++;
      else counts.other++;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return counts;
}
