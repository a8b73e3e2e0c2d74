// Pure helpers of the guardian benchmark: the failure modes, when the canary stopped serving,
// exposure in traffic-minutes, and the per-mode summary. No I/O here (measure.test.ts covers it).

export type ModeName = 'x10' | 'plus1pp' | 'latency20' | 'healthy';

/** What an upstream does: the share of requests answered 500 and a factor on every request's delay. */
export interface Behaviour {
  readonly errorRate: number;
  readonly latencyFactor: number;
}

export interface Mode {
  readonly name: ModeName;
  /** For tables and messages. */
  readonly label: string;
  /** The canary from onset on (before onset it behaves as stable). */
  readonly canaryAfterOnset: Behaviour;
  /** Also give the rollout a `guard` with a latency condition (the default guard watches errors only). */
  readonly latencyGuard: boolean;
  /** The key suffix in the JSON: secondsToStable<suffix>. */
  readonly jsonSuffix: string;
}

/** Stable (and the canary until onset): 0.5 % 5xx, latency lognormal with median 20 ms, σ 0.5. */
export const STABLE: Behaviour = { errorRate: 0.005, latencyFactor: 1 };
export const LATENCY_MEDIAN_MS = 20;
export const LATENCY_SIGMA = 0.5;

export const MODES: readonly Mode[] = [
  { name: 'x10', label: 'errors ×10 (0.5 % → 5 %)', canaryAfterOnset: { errorRate: 0.05, latencyFactor: 1 }, latencyGuard: false, jsonSuffix: 'X10' },
  { name: 'plus1pp', label: 'errors +1 pp (0.5 % → 1.5 %)', canaryAfterOnset: { errorRate: 0.015, latencyFactor: 1 }, latencyGuard: false, jsonSuffix: 'Plus1pp' },
  { name: 'latency20', label: 'p99 +20 % (every delay ×1.2)', canaryAfterOnset: { errorRate: STABLE.errorRate, latencyFactor: 1.2 }, latencyGuard: true, jsonSuffix: 'Latency20' },
  { name: 'healthy', label: 'healthy (never turns bad)', canaryAfterOnset: STABLE, latencyGuard: false, jsonSuffix: 'Healthy' },
];

export function modeByName(name: ModeName): Mode {
  const mode = MODES.find((m) => m.name === name);
  if (mode === undefined) throw new Error(`unknown mode ${name}`);
  return mode;
}

/** A lognormal delay in ms (Box-Muller on `random`), capped at 20 × the median. */
export function lognormalDelayMs(random: () => number, medianMs: number, sigma: number): number {
  const u = 1 - random(); // (0, 1]: log(u) is finite
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.min(medianMs * Math.exp(sigma * z), 20 * medianMs);
}

/** How many of the ascending `times` are ≥ `from` and < `to` (binary search). */
export function countBetween(times: readonly number[], from: number, to = Number.POSITIVE_INFINITY): number {
  return firstAtOrAfter(times, to) - firstAtOrAfter(times, from);
}

function firstAtOrAfter(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The moment from which no request reached the canary: its last arrival, provided at least
 * `quietRequests` requests reached stable after it (at 10 % that many in a row missing the canary by
 * chance has probability 0.9^quietRequests). Undefined while the canary may still be serving.
 * Both lists are arrival times in ascending order.
 */
export function canaryStoppedAt(canaryTimes: readonly number[], stableTimes: readonly number[], quietRequests: number): number | undefined {
  const last = canaryTimes.at(-1);
  if (last === undefined) return undefined;
  return countBetween(stableTimes, last) >= quietRequests ? last : undefined;
}

/**
 * Exposure in traffic-minutes over a window: the canary's share of the requests × the window's
 * length in minutes (100 % for one minute = 1), i.e. canary requests ÷ total requests per minute.
 */
export function exposureTrafficMinutes(canaryRequests: number, totalRequests: number, windowMs: number): number {
  if (totalRequests <= 0 || windowMs <= 0) return 0;
  return (canaryRequests / totalRequests) * (windowMs / 60_000);
}

/**
 * The median where null means "did not happen within the cap" (sorted as +∞): null when at least half
 * the runs did not, so a median is never flattered by leaving slow runs out.
 */
export function censoredMedian(values: readonly (number | null)[]): number | null {
  const m = median(values.map((v) => v ?? Number.POSITIVE_INFINITY));
  return m === null || !Number.isFinite(m) ? null : m;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** What one run measured. Times are seconds after onset; counts are after onset. */
export interface RunResult {
  readonly mode: ModeName;
  readonly index: number;
  readonly service: string;
  /** Set when the run could not be measured (setup failed); the other figures are then zeros. */
  readonly error?: string;
  /** Seconds from onset until the last request the canary served; null: it never stopped within the cap. */
  readonly secondsToStable: number | null;
  /** Seconds from onset until the rollout was first seen Failed (polled); null: never. */
  readonly secondsToFailed: number | null;
  /** The rollout was seen Aborting or Failed before the bench aborted it. */
  readonly rolledBack: boolean;
  /** A bad run rolled back in its minutes before onset, while its canary was as healthy as stable: a false rollback. */
  readonly rolledBackBeforeOnset: boolean;
  readonly finalPhase: string;
  /** Names of guard conditions that breached (status.guard.breaches), if the build reports them. */
  readonly breaches: readonly string[];
  /** Their reasons as the guardian wrote them (or the rollout's message). */
  readonly breachReasons: readonly string[];
  readonly canaryRequests: number;
  readonly canaryFailed: number;
  readonly totalRequests: number;
  readonly windowMs: number;
  readonly trafficMinutes: number;
  /** Requests the load driver sent per second (offered 100). */
  readonly achievedRps: number;
  /** Answers that did not come from an upstream (proxy errors, resets, timeouts). */
  readonly proxyErrors: number;
  readonly proxyErrorKinds: Readonly<Record<string, number>>;
  readonly capSeconds: number;
  /** The rollout's status had the guardian's `guard` field at some poll. */
  readonly guardSeen: boolean;
}

export interface ModeRow {
  readonly mode: Mode;
  readonly runs: number;
  readonly measured: number;
  readonly rolledBack: number;
  /** Runs whose canary stopped serving within the cap. */
  readonly stopped: number;
  /** Median seconds to stable, runs that never got there counted as +∞ (null: half or more never did). */
  readonly medianSeconds: number | null;
  /** Of the runs that got there; see `stopped` for how many did. */
  readonly maxSeconds: number | null;
  readonly medianFailedSeconds: number | null;
  readonly medianCanaryRequests: number | null;
  readonly medianCanaryFailed: number | null;
  readonly medianTrafficMinutes: number | null;
  readonly maxTrafficMinutes: number | null;
  readonly breaches: string;
  readonly capSeconds: number;
}

export function summarizeMode(mode: Mode, results: readonly RunResult[]): ModeRow {
  const runs = results.filter((r) => r.mode === mode.name);
  const ok = runs.filter((r) => r.error === undefined);
  const stoppedTimes = ok.flatMap((r) => (r.secondsToStable === null ? [] : [r.secondsToStable]));
  const rules = new Map<string, number>();
  for (const r of ok) for (const b of r.breaches) rules.set(b, (rules.get(b) ?? 0) + 1);
  const breaches = [...rules].map(([rule, n]) => `${rule} ${n}`).join(', ');
  return {
    mode,
    runs: runs.length,
    measured: ok.length,
    rolledBack: ok.filter((r) => r.rolledBack).length,
    stopped: stoppedTimes.length,
    medianSeconds: censoredMedian(ok.map((r) => r.secondsToStable)),
    maxSeconds: stoppedTimes.length === 0 ? null : Math.max(...stoppedTimes),
    medianFailedSeconds: censoredMedian(ok.map((r) => r.secondsToFailed)),
    medianCanaryRequests: median(ok.map((r) => r.canaryRequests)),
    medianCanaryFailed: median(ok.map((r) => r.canaryFailed)),
    medianTrafficMinutes: median(ok.map((r) => r.trafficMinutes)),
    maxTrafficMinutes: ok.length === 0 ? null : Math.max(...ok.map((r) => r.trafficMinutes)),
    breaches: breaches === '' ? '-' : breaches,
    capSeconds: Math.max(0, ...runs.map((r) => r.capSeconds)),
  };
}

/** Rounds for the JSON: 3 decimals for seconds, 5 for traffic-minutes, none for counts. */
export function round(value: number | null, digits: number): number | null {
  if (value === null) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
