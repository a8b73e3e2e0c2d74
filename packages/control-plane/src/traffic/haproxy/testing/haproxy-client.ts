import { Agent, request } from 'node:http';

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly version: string | undefined;
  readonly cookie: string | undefined;
}

/** One GET through the data plane; `agent: false` opens a new connection. */
export function get(address: string, path = '/', headers: Record<string, string> = {}, agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`http://${address}${path}`, { headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const version = res.headers['x-sluice-version'];
        const cookie = res.headers['set-cookie']?.[0]?.split(';')[0];
        resolve({ status: res.statusCode ?? 0, body, version: typeof version === 'string' ? version : undefined, cookie });
      });
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Runs `count` calls of `one` with at most `concurrency` at a time; returns the answers in order. */
export async function many<T>(count: number, concurrency: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await one(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** Steady load on keep-alive and fresh connections until stopped; counts answers and failures. */
export class Load {
  ok = 0;
  failed: string[] = [];
  #running = true;
  readonly #loops: Promise<void>[] = [];
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 16 });

  constructor(address: string, keepAliveLoops: number, freshLoops: number) {
    for (let i = 0; i < keepAliveLoops; i += 1) this.#loops.push(this.#loop(address, this.#agent, `k${i}`));
    for (let i = 0; i < freshLoops; i += 1) this.#loops.push(this.#loop(address, false, `n${i}`));
  }

  async #loop(address: string, agent: Agent | false, id: string): Promise<void> {
    let n = 0;
    while (this.#running) {
      try {
        const answer = await get(address, '/', { 'x-user-id': `${id}-${n++}` }, agent);
        if (answer.status === 200) this.ok += 1;
        else this.failed.push(`status ${answer.status}`);
      } catch (error) {
        this.failed.push(String(error));
      }
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    this.#agent.destroy();
  }
}
