// What run.ts tells the control-plane child, and what the child answers on its RESULT line.

export interface ChildSettings {
  /** SQLite: the data directory (sluice.db in it). */
  readonly dataDir: string;
  /** PostgreSQL instead, when set. */
  readonly databaseUrl?: string | undefined;
  /** Services, each with one rollout in progress at all times. */
  readonly rollouts: number;
  readonly pauseMs: number;
  /** The first rollouts start spread evenly over this long. */
  readonly rampMs: number;
  /** After the ramp, before measuring. */
  readonly warmupMs: number;
  /** The measured steady state. */
  readonly steadyMs: number;
  /** The fake data plane answers each call this late (0: at once). */
  readonly dataPlaneMs: number;
  /** The controller's longest sleep between passes. */
  readonly pollMs: number;
  /** The controller's concurrency (undefined: its default). */
  readonly concurrency?: number | undefined;
}

export interface ChildResult {
  /** The measured window [from, to), epoch ms. */
  readonly from: number;
  readonly to: number;
  /** When the controller had stopped (its last pass done). */
  readonly stoppedAt: number;
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly rssMaxMb: number;
  readonly rssEndMb: number;
  /** Durations of the reconcile passes that ended in the window. */
  readonly passMs: readonly number[];
  readonly eventLoopDelayP99Ms: number;
  readonly rolloutsCreated: number;
  readonly activeAtEnd: number;
  readonly pausedAtEnd: number;
  /** Busy time of CPU 0 over the window, everyone's (undefined off Linux): minus the child's CPU, what others took from its core. */
  readonly core0BusyMs: number | undefined;
  /** Controller log lines at warn / error level (and the first few of them). */
  readonly warnings: number;
  readonly errors: number;
  readonly problems: readonly string[];
}
