import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { StreamStatus } from '../api/flag-stream';
import { useEventStream, type StreamedEvent } from '../api/event-stream';
import { useApi } from '../app/api-context';
import { useResource, type Resource } from '../app/use-resource';
import { RolloutApi, type RolloutView, type ServiceView } from './rollout-api';
import { useEventLog, type EventLog } from './use-event-log';

export interface RolloutData {
  readonly rollouts: RolloutApi;
  readonly rollout: Resource<RolloutView>;
  /** The rollout's service (with the split its data plane reports); loads once the rollout is known. */
  readonly service: Resource<ServiceView | undefined>;
  readonly events: EventLog;
  readonly decisions: EventLog;
  readonly live: StreamStatus;
  /** Everything again (incrementally for the logs), e.g. after an action. */
  refresh(): void;
}

/** How often the page refreshes without the stream (a fallback; the stream is the fast path). */
const FALLBACK_MS = 5_000;
/** Events arrive in bursts (a step: StepCompleted, WeightChanged, StepStarted…): one refresh per burst. */
const BURST_MS = 150;
const DECISION_TYPES = new Set(['AnalysisMeasured', 'AnalysisDecided', 'ChecklistItemChanged', 'ApprovalRecorded', 'LoadFinished', 'GuardBreached']);

/** Whether a streamed event concerns the rollout `name` of service `service`. */
export function concerns(event: StreamedEvent, name: string, service: string | undefined): boolean {
  return (event.subject?.kind === 'Rollout' && event.subject.name === name) || (service !== undefined && event.service === service);
}

/** The rollout, its service, its events and decision log, kept current by the event stream and a 5 s fallback. */
export function useRolloutData(name: string): RolloutData {
  const api = useApi();
  const rollouts = useMemo(() => new RolloutApi(api), [api]);
  const rollout = useResource(`rollout:${name}`, () => rollouts.rollout(name));
  const serviceName = rollout.data?.spec.service;
  const service = useResource(`service:${serviceName ?? ''}`, async () => (serviceName === undefined ? undefined : rollouts.service(serviceName)));
  const events = useEventLog(`events:${name}`, (after) => rollouts.events(name, after));
  const decisions = useEventLog(`decisions:${name}`, (after) => rollouts.decisions(name, after));
  const all = { rollout, service, events, decisions };
  const current = useRef(all);
  current.current = all;
  const burst = useRef<{ timer: ReturnType<typeof setTimeout> | undefined; decisions: boolean }>({ timer: undefined, decisions: false });

  const refresh = (withDecisions = true) => {
    const c = current.current;
    c.rollout.reload();
    c.service.reload();
    c.events.pull();
    if (withDecisions) c.decisions.pull();
  };
  const live = useEventStream(
    (after) => api.eventStreamUrl(after),
    (event) => {
      if (!concerns(event, name, current.current.rollout.data?.spec.service)) return;
      const b = burst.current;
      b.decisions ||= DECISION_TYPES.has(event.type);
      if (b.timer !== undefined) return;
      b.timer = setTimeout(() => {
        b.timer = undefined;
        refresh(b.decisions);
        b.decisions = false;
      }, BURST_MS);
    },
  );
  useEffect(() => {
    const timer = setInterval(() => refresh(), FALLBACK_MS);
    return () => {
      clearInterval(timer);
      clearTimeout(burst.current.timer);
    };
  }, []);
  return { rollouts, rollout, service, events, decisions, live, refresh: () => refresh() };
}
