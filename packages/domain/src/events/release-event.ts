/** The kinds of thing an event may be about. */
export const EVENT_SUBJECT_KINDS = ['Service', 'Rollout', 'Flag', 'Segment', 'Experiment', 'Webhook', 'AnalysisTemplate', 'Target', 'Token'] as const;
export type EventSubjectKind = (typeof EVENT_SUBJECT_KINDS)[number];

/** What a release event is about. */
export interface EventSubject {
  /** Service and Rollout for release events; the other kinds for ResourceChanged (what a person changed). */
  readonly kind: EventSubjectKind;
  readonly name: string;
}

export const EventType = {
  ServiceCreated: 'ServiceCreated',
  ServiceUpdated: 'ServiceUpdated',
  RolloutCreated: 'RolloutCreated',
  PhaseChanged: 'PhaseChanged',
  StepStarted: 'StepStarted',
  StepCompleted: 'StepCompleted',
  WeightChanged: 'WeightChanged',
  StableChanged: 'StableChanged',
  CommandAccepted: 'CommandAccepted',
  /** A rollout match rule was added, replaced or removed (from/to describe the rule, "none" when absent). */
  RouteChanged: 'RouteChanged',
  /** The mirrored share changed (from/to are percentages like "10%"). */
  MirrorChanged: 'MirrorChanged',
  /** A measurement and its verdict; `data` is a MeasurementRecord (the decision log). */
  AnalysisMeasured: 'AnalysisMeasured',
  /** An analysis (step or background) reached a decision: to = passed, failed, inconclusive or halted. */
  AnalysisDecided: 'AnalysisDecided',
  /** A checklist item (or its rollback verification) changed phase: from/to are phases. */
  ChecklistItemChanged: 'ChecklistItemChanged',
  /** A person approved (to = "approved") or rejected (to = "rejected"); data has by, comment, step. */
  ApprovalRecorded: 'ApprovalRecorded',
  /** A guard condition breached: to = the action taken (rollback, pause, notify); data has the evidence. */
  GuardBreached: 'GuardBreached',
  /** A rollback's plan made progress: to = the operation done; data has the plan. */
  RollbackProgressed: 'RollbackProgressed',
  /** A load step's generator stopped; data has its totals and why it stopped. */
  LoadFinished: 'LoadFinished',
  /**
   * A version's instances were retired after its warm time (from "warm", to "idle") or started again
   * (from "idle", to "running"); the subject is the service, data has the version.
   */
  WorkloadChanged: 'WorkloadChanged',
  /** A rollout's schema migration changed phase (from/to: pending, expanding, expanded, backfilling, …); data has backfill progress. */
  MigrationChanged: 'MigrationChanged',
  /**
   * A person created or changed a resource that is not a service or rollout (a flag, segment,
   * experiment without a service, webhook, analysis template or target): to = "created", "configured"
   * or the command (e.g. "kill"); data has before/after. `service` is "" when no service owns it.
   */
  ResourceChanged: 'ResourceChanged',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/**
 * Release metadata: who did what, when, from what to what, and why. Appended in the same
 * transaction as the state change it describes, so the log has every change exactly once.
 */
export interface ReleaseEvent {
  /** Store-assigned, strictly increasing across all events. */
  readonly seq: number;
  /** Milliseconds since the epoch (the injected clock). */
  readonly at: number;
  /** "controller", or the person/token that asked (CLI user, API actor header). */
  readonly actor: string;
  readonly service: string;
  readonly subject: EventSubject;
  readonly type: EventType;
  readonly from?: string;
  readonly to?: string;
  readonly reason: string;
  /**
   * For events recorded for an API request: the client's IP address (the socket's peer, or the
   * proxy-reported client with `sluice server --trust-proxy`). Absent for the controller's own events.
   */
  readonly source?: string;
  /**
   * Events recorded for a person's action carry `data.before` and `data.after`: the state they changed
   * (a resource's spec, or a rollout's phase, step and weight), secrets masked. A large spec is kept as
   * the changed fields only (`data.diff: true`), and at most 16 KB of it (`data.truncated: true`).
   */
  readonly data?: Readonly<Record<string, unknown>>;
}

export type NewReleaseEvent = Omit<ReleaseEvent, 'seq'>;

/** An event before the control plane has stamped actor, time and subject on it. */
export type EventDraft = Pick<ReleaseEvent, 'type' | 'reason'> &
  Partial<Pick<ReleaseEvent, 'from' | 'to' | 'data'>>;
