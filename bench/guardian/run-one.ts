// One run: two upstreams, a Service and a Rollout to 10 %, traffic through the proxy, the canary
// turning bad at onset (or never), and what reached the canary until it stopped or the cap.
import { startLoad } from './load.js';
import type { Load, LoadStats } from './load.js';
import { canaryStoppedAt, countBetween, exposureTrafficMinutes, STABLE } from './measure.js';
import type { Mode, RunResult } from './measure.js';
import { abort, apply, getServiceTraffic } from './sluice.js';
import type { RolloutBoard, RolloutStatusView } from './sluice.js';
import { LATENCY_GUARD, rolloutYaml, serviceYaml } from './specs.js';
import { now, startUpstream } from './upstream.js';
import type { Upstream } from './upstream.js';

/** Requests that must reach stable after the canary's last one before it counts as stopped (0.9^150 ≈ 10^-7 by chance at 10 %). */
export const QUIET_REQUESTS = 150;
const TERMINAL = new Set(['Succeeded', 'Aborted', 'Failed']);
const ROLLED_BACK = new Set(['Aborting', 'Failed']);

export interface RunSettings {
  readonly api: string;
  /** Total offered requests/s through the proxy (the canary gets CANARY_WEIGHT % of it). */
  readonly rps: number;
  /** From the canary's first request to onset. */
  readonly preOnsetMs: number;
  /** How long after onset a bad run waits for the canary to stop (healthy: how long it runs). */
  readonly capMs: number;
  /** The build accepts `spec.guard` (probed): the latency mode gets its latency condition. */
  readonly guardSpecAccepted: boolean;
  /** The shared poller of rollout statuses. */
  readonly board: RolloutBoard;
  readonly interrupted: () => boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil<T>(what: string, timeoutMs: number, settings: RunSettings, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (settings.interrupted()) throw new Error('interrupted');
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

/** What the polls of the rollout saw. */
interface Watch {
  phase: string;
  rolledBackAt?: number;
  failedAt?: number;
  breaches: string[];
  /** The breaches' reasons, or the rollout's message when it rolled back without one. */
  reasons: string[];
  guardSeen: boolean;
}

function observe(watch: Watch, status: RolloutStatusView | undefined): void {
  if (status === undefined) return;
  watch.phase = status.phase;
  if (ROLLED_BACK.has(status.phase) && watch.rolledBackAt === undefined) watch.rolledBackAt = now();
  if (status.phase === 'Failed' && watch.failedAt === undefined) watch.failedAt = now();
  if (status.guard !== undefined) watch.guardSeen = true;
  const breaches = Object.entries(status.guard?.breaches ?? {});
  if (breaches.length > 0) {
    watch.breaches = breaches.map(([name]) => name);
    watch.reasons = breaches.map(([name, b]) => b.reason ?? name);
  } else if (ROLLED_BACK.has(status.phase) && watch.reasons.length === 0 && status.message !== undefined) {
    watch.reasons = [status.message];
  }
}

/** Polls until the canary has stopped serving (and the rollout is terminal, or 5 s later), or `until`. */
async function watchRollout(settings: RunSettings, ids: { service: string; rollout: string }, up: { stable: Upstream; canary: Upstream }, until: number, watch: Watch): Promise<void> {
  while (!settings.interrupted()) {
    observe(watch, settings.board.status(ids.rollout));
    const stopped = canaryStoppedAt(up.canary.arrivals, up.stable.arrivals, QUIET_REQUESTS);
    if (stopped !== undefined && (TERMINAL.has(watch.phase) || now() - stopped > 5_000)) return;
    if (now() >= until) return;
    await sleep(100);
  }
}

/** Leaves nothing behind: aborts a rollout still active (the bench's own abort is not a rollback), waits for it to end. */
async function finish(settings: RunSettings, ids: { service: string; rollout: string }, watch: Watch): Promise<void> {
  if (TERMINAL.has(watch.phase)) return;
  await abort(settings.api, ids.rollout, 'guardian benchmark run finished').catch(() => undefined);
  await waitUntil('the rollout to end after abort', 15_000, settings, async () => {
    const phase = settings.board.status(ids.rollout)?.phase;
    return phase !== undefined && TERMINAL.has(phase) ? true : undefined;
  }).catch(() => undefined);
}

async function setUp(mode: Mode, settings: RunSettings, ids: { service: string; rollout: string }, up: { stable: Upstream; canary: Upstream }): Promise<{ load: Load; exposedAt: number }> {
  await apply(settings.api, serviceYaml(ids.service, up.stable.url, up.canary.url));
  const address = await waitUntil(`service ${ids.service}'s proxy to listen`, 15_000, settings, async () => (await getServiceTraffic(settings.api, ids.service))?.address);
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const load = startLoad(host.replace(/^\[|\]$/g, ''), port, settings.rps, ids.service);
  try {
    await apply(settings.api, rolloutYaml(ids.rollout, ids.service, mode.latencyGuard && settings.guardSpecAccepted ? LATENCY_GUARD : undefined));
    const exposedAt = await waitUntil('the canary to get its first request', 30_000, settings, async () => up.canary.arrivals[0]);
    return { load, exposedAt };
  } catch (error) {
    await load.stop(0);
    throw error;
  }
}

type Base = Pick<RunResult, 'mode' | 'index' | 'service' | 'capSeconds'>;

/** The figures of a run that was watched to its end (`end`): counts and times after onset. */
function measured(base: Base, watch: Watch, up: { stable: Upstream; canary: Upstream }, window: { onset: number; end: number; early: boolean }, stats: LoadStats): RunResult {
  const { onset, end, early } = window;
  const stoppedAt = canaryStoppedAt(up.canary.arrivals, up.stable.arrivals, QUIET_REQUESTS);
  const canaryRequests = countBetween(up.canary.arrivals, onset, end);
  const totalRequests = canaryRequests + countBetween(up.stable.arrivals, onset, end);
  return {
    ...base,
    ...(early ? { error: `rolled back before onset, while the canary was still healthy (${watch.reasons.join('; ') || watch.phase})` } : {}),
    secondsToStable: stoppedAt === undefined ? null : Math.max(0, (stoppedAt - onset) / 1000),
    secondsToFailed: watch.failedAt === undefined ? null : (watch.failedAt - onset) / 1000,
    rolledBack: watch.rolledBackAt !== undefined,
    rolledBackBeforeOnset: early,
    finalPhase: watch.phase,
    breaches: watch.breaches,
    breachReasons: watch.reasons,
    canaryRequests,
    canaryFailed: countBetween(up.canary.failures, onset, end),
    totalRequests,
    windowMs: end - onset,
    trafficMinutes: exposureTrafficMinutes(canaryRequests, totalRequests, end - onset),
    achievedRps: stats.seconds > 0 ? stats.sent / stats.seconds : 0,
    proxyErrors: stats.proxyErrors,
    proxyErrorKinds: stats.proxyErrorKinds,
    guardSeen: watch.guardSeen,
  };
}

function notMeasured(base: Base, watch: Watch, error: unknown): RunResult {
  return {
    ...base, error: error instanceof Error ? error.message : String(error),
    secondsToStable: null, secondsToFailed: null, rolledBack: false, rolledBackBeforeOnset: false, finalPhase: watch.phase, breaches: [], breachReasons: [],
    canaryRequests: 0, canaryFailed: 0, totalRequests: 0, windowMs: 0, trafficMinutes: 0, achievedRps: 0, proxyErrors: 0, proxyErrorKinds: {}, guardSeen: watch.guardSeen,
  };
}

export async function runOne(mode: Mode, index: number, settings: RunSettings): Promise<RunResult> {
  const ids = { service: `g-${mode.name}-${index}`, rollout: `g-${mode.name}-${index}-v2` };
  const healthy = mode.name === 'healthy';
  const base: Base = { mode: mode.name, index, service: ids.service, capSeconds: settings.capMs / 1000 };
  const upstreams: Upstream[] = [];
  let load: Load | undefined;
  const watch: Watch = { phase: 'Pending', breaches: [], reasons: [], guardSeen: false };
  const unwatch = settings.board.watch();
  try {
    const stable = await startUpstream('stable', STABLE);
    upstreams.push(stable);
    const canary = await startUpstream('canary', STABLE);
    upstreams.push(canary);
    const ready = await setUp(mode, settings, ids, { stable, canary });
    load = ready.load;
    const onset = healthy ? ready.exposedAt : ready.exposedAt + settings.preOnsetMs;
    if (!healthy) canary.turnBadAt(onset, mode.canaryAfterOnset);
    while (now() < onset && !settings.interrupted()) {
      observe(watch, settings.board.status(ids.rollout));
      await sleep(100);
    }
    const early = !healthy && watch.rolledBackAt !== undefined;
    await watchRollout(settings, ids, { stable, canary }, onset + settings.capMs, watch);
    if (settings.interrupted()) throw new Error('interrupted');
    const end = now();
    const stats = await load.stop();
    await finish(settings, ids, watch);
    return measured(base, watch, { stable, canary }, { onset, end, early }, stats);
  } catch (error) {
    await finish(settings, ids, watch).catch(() => undefined);
    return notMeasured(base, watch, error);
  } finally {
    unwatch();
    await load?.stop(0);
    await Promise.all(upstreams.map((u) => u.close()));
  }
}
