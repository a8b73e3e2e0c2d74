import { useEffect, useMemo } from 'preact/hooks';
import { ErrorDetails } from '../app/notices';
import { DecisionLog } from './decision-log';
import { EventTimeline } from './event-timeline';
import { MetricsCharts } from './metrics-charts';
import type { RolloutView } from './rollout-api';
import { RolloutActions } from './rollout-actions';
import { RolloutHeader } from './rollout-header';
import { StepList } from './step-list';
import { TrafficSplitView } from './traffic-split';
import { useMetrics, type MetricsState } from './use-metrics';
import { useRolloutData, type RolloutData } from './use-rollout-data';
import './rollout.css';

/** A performance mark set once the rollout, its events and its metrics have first rendered. */
const READY_MARK = 'sluice:rollout-ready';

function LoadError({ data, name }: { readonly data: RolloutData; readonly name: string }) {
  const error = data.rollout.error;
  if (error === undefined) return null;
  return (
    <div class="panel panel-error" role="alert">
      <strong>{data.rollout.data === undefined ? `Could not load the rollout ${name}` : 'Could not refresh the rollout; what is shown may be out of date'}</strong>
      <ErrorDetails error={error} />
      <button type="button" class="button" onClick={() => data.refresh()}>
        Try again
      </button>
    </div>
  );
}

function Body({ data, view, metrics }: { readonly data: RolloutData; readonly view: RolloutView; readonly metrics: MetricsState }) {
  const descriptions = view.steps.map((s) => s.description);
  const stepsKey = descriptions.join('\n');
  const steps = useMemo(() => descriptions, [stepsKey]);
  const changed = (answer: RolloutView | undefined) => {
    if (answer !== undefined) data.rollout.set(() => answer);
    data.refresh();
  };
  const events = data.events.items;
  const decisions = data.decisions.items;
  // The same element while its data is the same: Preact skips it when another fetch lands (the
  // timeline and decision log are the largest parts of the page).
  const timeline = useMemo(() => (events === undefined ? <div class="skeleton skeleton-short" aria-hidden="true" /> : <EventTimeline events={events} steps={steps} />), [events, steps]);
  const decisionLog = useMemo(() => (decisions === undefined ? <div class="skeleton skeleton-short" aria-hidden="true" /> : <DecisionLog decisions={decisions} />), [decisions]);
  const charts = useMemo(() => <MetricsCharts state={metrics} />, [metrics]);
  return (
    <div class="rollout-body">
      <RolloutHeader view={view} live={data.live} />
      <RolloutActions view={view} service={data.service.data} rollouts={data.rollouts} changed={changed} />
      <div class="rollout-grid">
        <div class="rollout-main">
          <TrafficSplitView view={view} service={data.service.data} />
          <section class="panel" aria-labelledby="metrics-title">
            <h2 id="metrics-title">Canary against stable</h2>
            {charts}
          </section>
        </div>
        <StepList view={view} />
      </div>
      <section class="panel" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        {timeline}
      </section>
      <section aria-labelledby="decisions-title">
        <h2 id="decisions-title">Decision log</h2>
        {decisionLog}
      </section>
    </div>
  );
}

/**
 * The Rollout page: where the rollout is, the traffic split, live charts of canary against stable,
 * every step and event, the decision log, and the actions that apply now. Follows the event stream.
 */
export function RolloutPage({ name }: { readonly name: string }) {
  const data = useRolloutData(name);
  const view = data.rollout.data;
  const metrics = useMetrics(data.rollouts, name, view?.status.finishedAt);
  // For page-load measurements: set in the render that first shows the rollout, its events and its metrics.
  const ready = view !== undefined && data.events.items !== undefined && metrics.status !== 'loading';
  useEffect(() => {
    // After the commit that shows it all: the page-load figure (rollout-page-load.int.test.ts) reads this mark.
    if (ready && performance.getEntriesByName(READY_MARK).length === 0) performance.mark(READY_MARK);
  }, [ready]);
  return (
    <section class="rollout" aria-labelledby="page-title" data-rollout={name} data-ready={ready ? 'true' : undefined}>
      {view === undefined && data.rollout.error === undefined && (
        <>
          <h1 id="page-title">{name}</h1>
          <div class="skeleton" aria-hidden="true" />
        </>
      )}
      {view === undefined && data.rollout.error !== undefined && <h1 id="page-title">{name}</h1>}
      <LoadError data={data} name={name} />
      {view !== undefined && <Body data={data} view={view} metrics={metrics} />}
    </section>
  );
}
