import type { ChecklistItemState, Step } from '@sluice/domain';
import { ago, when } from '../flags/format';
import type { RolloutView } from './rollout-api';

type StepView = RolloutView['steps'][number];

/** Steps after which failures hold instead of rolling back. */
const IRREVERSIBLE = new Set(['pointOfNoReturn', 'migrationContract']);

const ITEM_TEXT: Readonly<Record<ChecklistItemState['phase'], string>> = {
  pending: 'pending',
  'awaiting-person': 'waits for a person',
  verifying: 'verifying',
  passed: 'passed',
  failed: 'failed',
};

/** The current checklist's items, each with its phase and what it last said. */
function ChecklistItems({ step, items }: { readonly step: Extract<Step, { kind: 'checklist' }>; readonly items: readonly ChecklistItemState[] }) {
  return (
    <ul class="checklist">
      {step.items.map((item) => {
        const state = items.find((s) => s.name === item.name);
        const phase = state?.phase ?? 'pending';
        return (
          <li key={item.name} data-item={item.name} data-item-phase={phase}>
            <span class={`item-phase item-${phase}`}>{ITEM_TEXT[phase]}</span> <strong>{item.name}</strong>
            {item.operation?.kind === 'instruction' && <span class="muted"> — {item.operation.text}</span>}
            {state?.confirmed !== undefined && (
              <span class="muted small"> — confirmed by {state.confirmed.by}{state.confirmed.comment ? `: ${state.confirmed.comment}` : ''}</span>
            )}
            {state?.detail !== undefined && <div class="muted small">{state.detail}</div>}
          </li>
        );
      })}
    </ul>
  );
}

/** What the current step has gathered so far: checklist items, approval, analysis. */
function CurrentDetail({ view, spec }: { readonly view: RolloutView; readonly spec: Step | undefined }) {
  const state = view.status.stepState?.stepIndex === view.status.stepIndex ? view.status.stepState : undefined;
  if (spec?.kind === 'checklist') return <ChecklistItems step={spec} items={state?.checklist ?? []} />;
  if (spec?.kind === 'approval' || spec?.kind === 'migrationContract') {
    const approval = state?.approval;
    return (
      <p class="small step-detail" data-approval={approval === undefined ? 'waiting' : 'approved'}>
        {approval === undefined
          ? `Waits for an approval${spec.approvers === undefined ? '' : ` by ${spec.approvers.join(' or ')}`}${spec.message ? `: “${spec.message}”` : ''}`
          : `Approved by ${approval.by} ${ago(approval.at)}${approval.comment ? `: “${approval.comment}”` : ''}`}
      </p>
    );
  }
  if (state?.analysis !== undefined) return <p class="small step-detail">Analysis {state.analysis.status}: {state.analysis.reason}</p>;
  if (state?.load !== undefined) return <p class="small step-detail">Load: {state.load.sent ?? 0} sent, {state.load.errors ?? 0} errors</p>;
  return null;
}

function StepItem({ step, view, passed }: { readonly step: StepView; readonly view: RolloutView; readonly passed: boolean }) {
  const spec = view.spec.strategy.steps[step.index];
  const irreversible = IRREVERSIBLE.has(step.kind);
  return (
    <li class={`step step-${step.state}${irreversible ? ' step-ponr' : ''}`} data-step={step.index} data-state={step.state} aria-current={step.state === 'current' ? 'step' : undefined}>
      <span class="step-marker" aria-hidden="true">{step.state === 'done' ? '✓' : step.index + 1}</span>
      <div class="step-body">
        <div>
          <span class="visually-hidden">Step {step.index + 1}, {step.state}: </span>
          {step.description}
          {irreversible && <span class={`ponr-badge${passed ? ' ponr-passed' : ''}`}>point of no return{passed ? ' — passed' : ''}</span>}
        </div>
        {step.state === 'current' && <CurrentDetail view={view} spec={spec} />}
      </div>
    </li>
  );
}

/** Every step with its state; the point of no return is marked, and the current step shows its progress. */
export function StepList({ view }: { readonly view: RolloutView }) {
  const ponr = view.status.pointOfNoReturn;
  return (
    <section class="panel" aria-labelledby="steps-title">
      <h2 id="steps-title">Steps</h2>
      {ponr !== undefined && (
        <p class="ponr-note" role="note" data-ponr-step={ponr.step} title={when(ponr.at)}>
          Past the point of no return at step {ponr.step + 1} ({ago(ponr.at)}): {ponr.reason}. Failures now hold the rollout for a person instead of rolling back; an
          abort needs “force”.
        </p>
      )}
      <ol class="steps">
        {view.steps.map((s) => (
          <StepItem key={s.index} step={s} view={view} passed={ponr !== undefined && s.index <= ponr.step} />
        ))}
      </ol>
    </section>
  );
}
