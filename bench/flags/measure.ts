// Timing: every round runs every contender over all the contexts (interleaved, so drift in the
// machine hits everyone alike); a contender's figure is its median round, its best also printed.
// A measurement repeats the pass over all users until it lasts MIN_SECONDS.
import type { Contender } from './contenders.js';

export interface Measured {
  readonly contender: Contender;
  readonly rounds: number[];
  readonly median: number;
  readonly best: number;
  readonly enabledFraction: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Fast contenders pass over the users again until a measurement lasts this long (one hiccup must not be a round). */
const MIN_SECONDS = 0.4;

async function timeOnce(contender: Contender, count: number): Promise<{ perSecond: number; enabled: number }> {
  const started = performance.now();
  const enabled = await contender.run();
  let passes = 1;
  let seconds = (performance.now() - started) / 1000;
  while (seconds < MIN_SECONDS) {
    await contender.run();
    passes++;
    seconds = (performance.now() - started) / 1000;
  }
  return { perSecond: (passes * count) / seconds, enabled };
}

/** Warms each contender up once, then runs `rounds` interleaved rounds. */
export async function measureAll(contenders: readonly Contender[], users: number, rounds: number, log: (line: string) => void): Promise<Measured[]> {
  const perRound = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  const enabled = new Map<Contender, number>();
  for (const c of contenders) {
    const warm = await timeOnce(c, users);
    enabled.set(c, warm.enabled);
    log(`  warm-up ${c.label}: ${(warm.perSecond / 1e6).toFixed(3)} M/s`);
  }
  for (let r = 0; r < rounds; r++) {
    const line: string[] = [];
    for (const c of contenders) {
      const { perSecond, enabled: n } = await timeOnce(c, users);
      if (n !== enabled.get(c)) throw new Error(`${c.label}: ${n} enabled in round ${r + 1}, ${enabled.get(c)} in the warm-up`);
      perRound.get(c)?.push(perSecond);
      line.push(`${c.key} ${(perSecond / 1e6).toFixed(3)}`);
    }
    log(`  round ${r + 1}/${rounds}: ${line.join(', ')} M/s`);
  }
  return contenders.map((contender) => {
    const values = perRound.get(contender) ?? [];
    return { contender, rounds: values, median: median(values), best: Math.max(...values), enabledFraction: (enabled.get(contender) ?? 0) / users };
  });
}

/** The results table: M evals/s (median and best round), ratio of Sluice compiled to each, enabled fraction. */
export function table(rows: readonly Measured[], sluice: number): string {
  const header = ['contender', 'M evals/s (median)', 'best', 'Sluice compiled ×', 'enabled'];
  const body = rows.map((r) => [
    r.contender.label,
    (r.median / 1e6).toFixed(3),
    (r.best / 1e6).toFixed(3),
    `${(sluice / r.median).toFixed(2)}×`,
    `${(100 * r.enabledFraction).toFixed(2)} %`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}
