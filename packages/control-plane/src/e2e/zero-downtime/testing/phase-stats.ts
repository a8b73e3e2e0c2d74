// Per-phase bookkeeping of the zero-downtime load: every request is counted in the phase that was
// current when it STARTED, whenever it ends.

export type Kind = 'keepAlive' | 'newConnection' | 'upload' | 'download';
export const KINDS: readonly Kind[] = ['keepAlive', 'newConnection', 'upload', 'download'];
export type Outcome = 'ok' | 'failed' | 'reset' | 'timeout';

/** One finished request. */
export interface RequestRecord {
  readonly kind: Kind;
  readonly outcome: Outcome;
  /** Milliseconds from start to the last byte (or the error). */
  readonly ms: number;
  /** Who answered: the app's x-app header, "VERSION/GEN/INSTANCE". */
  readonly app?: string;
  /** Why it was not ok, e.g. "HTTP 502 …", "ECONNRESET", "body: 1200 of 32768 bytes". */
  readonly detail?: string;
  /** Milliseconds since the load started, when it was sent. */
  readonly sentAt: number;
}

export interface WsCounts {
  sent: number;
  echoed: number;
  /** Messages not echoed within the deadline, or lost with their connection. */
  lost: number;
  /** The connection closed: clean (server's close frame, e.g. 1001 going away) or not (a reset). */
  cleanCloses: number;
  abnormalCloses: number;
}

export interface PhaseSummary {
  readonly name: string;
  readonly seconds: number;
  readonly requests: number;
  readonly ok: number;
  readonly failed: number;
  readonly resets: number;
  readonly timeouts: number;
  /** Requests not sent because too many were in flight (the open loop's safety valve). */
  readonly notSent: number;
  readonly byKind: Readonly<Record<Kind, number>>;
  /** p99 and max of the short requests (keep-alive and new-connection GET /), ms. */
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Answers by "VERSION/GEN": all, and those sent after the phase's end condition held and answered within the phase. */
  readonly versions: Readonly<Record<string, number>>;
  readonly settledVersions: Readonly<Record<string, number>>;
  /** Answers by instance ("VERSION/GEN/INSTANCE"), all and after the end condition. */
  readonly apps: Readonly<Record<string, number>>;
  readonly settledApps: Readonly<Record<string, number>>;
  readonly ws: Readonly<WsCounts>;
  /** Up to 20 failures, "t=12.345s keepAlive reset: ECONNRESET". */
  readonly failures: readonly string[];
  /** The 5 slowest short requests, "t=12.345s newConnection 812 ms v2/2/v2-0.1". */
  readonly slowest: readonly string[];
}

/** One phase's counters (internal; exported for the type of `sending`'s token). */
export class Phase {
  readonly startedAt: number;
  endedAt: number | undefined;
  settledAt: number | undefined;
  requests = 0;
  notSent = 0;
  readonly outcomes: Record<Outcome, number> = { ok: 0, failed: 0, reset: 0, timeout: 0 };
  readonly byKind: Record<Kind, number> = { keepAlive: 0, newConnection: 0, upload: 0, download: 0 };
  readonly shortMs: number[] = [];
  readonly versions: Record<string, number> = {};
  readonly settledVersions: Record<string, number> = {};
  readonly apps: Record<string, number> = {};
  readonly settledApps: Record<string, number> = {};
  readonly ws: WsCounts = { sent: 0, echoed: 0, lost: 0, cleanCloses: 0, abnormalCloses: 0 };
  readonly failures: string[] = [];
  readonly slowest: RequestRecord[] = [];

  constructor(
    readonly name: string,
    now: number,
  ) {
    this.startedAt = now;
  }
}

/** Which phase a request belongs to, and whether it was sent after that phase's end condition held. */
export interface PhaseToken {
  readonly phase: Phase;
  readonly settled: boolean;
}

/** The phases in order; `current` takes new requests. */
export class PhaseStats {
  readonly #phases: Phase[] = [];
  readonly #clock: () => number;

  constructor(clock: () => number, first: string) {
    this.#clock = clock;
    this.#phases.push(new Phase(first, clock()));
  }

  get current(): string {
    return this.#phases.at(-1)!.name;
  }

  /** Ends the current phase and starts `name`. */
  begin(name: string): void {
    const now = this.#clock();
    this.#phases.at(-1)!.endedAt = now;
    this.#phases.push(new Phase(name, now));
  }

  /** The current phase's end condition holds: requests sent from now on count as settled. */
  settle(): void {
    this.#phases.at(-1)!.settledAt ??= this.#clock();
  }

  /** A request is being sent: returns a token that says which phase it belongs to. */
  sending(kind: Kind): PhaseToken {
    const phase = this.#phases.at(-1)!;
    phase.requests++;
    phase.byKind[kind]++;
    return { phase, settled: phase.settledAt !== undefined };
  }

  skipped(): void {
    this.#phases.at(-1)!.notSent++;
  }

  finished(token: PhaseToken, record: RequestRecord): void {
    const { phase, settled } = token;
    phase.outcomes[record.outcome]++;
    if (record.kind === 'keepAlive' || record.kind === 'newConnection') {
      phase.shortMs.push(record.ms);
      keepSlowest(phase.slowest, record);
    }
    if (record.app !== undefined) {
      const version = record.app.split('/').slice(0, 2).join('/');
      bump(phase.versions, version);
      bump(phase.apps, record.app);
      // Settled: sent after the end condition held and answered before the next phase's action began,
      // so routed in the state the phase ended in (a request stuck in a connect backlog is not).
      if (settled && phase.endedAt === undefined) {
        bump(phase.settledVersions, version);
        bump(phase.settledApps, record.app);
      }
    }
    if (record.outcome !== 'ok' && phase.failures.length < 20) {
      phase.failures.push(`t=${(record.sentAt / 1000).toFixed(3)}s ${record.kind} ${record.outcome}: ${record.detail ?? '?'}`);
    }
  }

  /** The WebSocket counters of the current phase. */
  ws(): WsCounts {
    return this.#phases.at(-1)!.ws;
  }

  summaries(): PhaseSummary[] {
    const now = this.#clock();
    return this.#phases.map((p) => summarize(p, (p.endedAt ?? now) - p.startedAt));
  }
}

function keepSlowest(slowest: RequestRecord[], record: RequestRecord): void {
  if (slowest.length === 5 && record.ms <= slowest[4]!.ms) return;
  slowest.push(record);
  slowest.sort((a, b) => b.ms - a.ms);
  slowest.length = Math.min(slowest.length, 5);
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function summarize(p: Phase, ms: number): PhaseSummary {
  const sorted = Float64Array.from(p.shortMs).sort();
  const p99 = sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
  return {
    name: p.name, seconds: ms / 1000, requests: p.requests,
    ok: p.outcomes.ok, failed: p.outcomes.failed, resets: p.outcomes.reset, timeouts: p.outcomes.timeout, notSent: p.notSent,
    byKind: { ...p.byKind }, p99Ms: p99, maxMs: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
    versions: { ...p.versions }, settledVersions: { ...p.settledVersions }, apps: { ...p.apps }, settledApps: { ...p.settledApps },
    ws: { ...p.ws }, failures: [...p.failures],
    slowest: p.slowest.map((r) => `t=${(r.sentAt / 1000).toFixed(3)}s ${r.kind} ${r.ms.toFixed(0)} ms ${r.app ?? r.outcome}`),
  };
}

/** Sums the phases (versions and apps are merged, latency is the worst phase's). */
export function totalOf(phases: readonly PhaseSummary[]): PhaseSummary {
  const sum = (f: (p: PhaseSummary) => number): number => phases.reduce((n, p) => n + f(p), 0);
  const merge = (f: (p: PhaseSummary) => Readonly<Record<string, number>>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const p of phases) for (const [k, v] of Object.entries(f(p))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const byKind = { keepAlive: 0, newConnection: 0, upload: 0, download: 0 };
  for (const kind of KINDS) byKind[kind] = sum((p) => p.byKind[kind]);
  return {
    name: 'total', seconds: sum((p) => p.seconds), requests: sum((p) => p.requests), ok: sum((p) => p.ok), failed: sum((p) => p.failed),
    resets: sum((p) => p.resets), timeouts: sum((p) => p.timeouts), notSent: sum((p) => p.notSent), byKind,
    p99Ms: Math.max(0, ...phases.map((p) => p.p99Ms)), maxMs: Math.max(0, ...phases.map((p) => p.maxMs)),
    versions: merge((p) => p.versions), settledVersions: merge((p) => p.settledVersions), apps: merge((p) => p.apps), settledApps: merge((p) => p.settledApps),
    ws: {
      sent: sum((p) => p.ws.sent), echoed: sum((p) => p.ws.echoed), lost: sum((p) => p.ws.lost),
      cleanCloses: sum((p) => p.ws.cleanCloses), abnormalCloses: sum((p) => p.ws.abnormalCloses),
    },
    failures: phases.flatMap((p) => p.failures).slice(0, 20),
    slowest: [],
  };
}

/** The per-phase table: counts, short-request p99, WebSocket messages, and who answered. */
export function formatTable(phases: readonly PhaseSummary[]): string {
  const rows = [...phases, totalOf(phases)];
  const header = ['phase', 's', 'requests', 'ok', 'failed', 'resets', 'timeouts', 'ka/new/up/down', 'p99 ms', 'ws echoed', 'answered by (version/gen: requests)'];
  const body = rows.map((p) => [
    p.name, p.seconds.toFixed(1), String(p.requests), String(p.ok), String(p.failed), String(p.resets), String(p.timeouts),
    KINDS.map((k) => p.byKind[k]).join('/'), p.p99Ms.toFixed(1), `${p.ws.echoed}/${p.ws.sent}`,
    p.name === 'total' ? '' : Object.entries(p.versions).map(([v, n]) => `${v}: ${n}`).join(', '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}
