import { ago, when } from '../flags/format';
import { href, Link } from '../app/router';
import { exposureOf, type Signal } from './release-health';
import { currentStepText, stepText, type RolloutView, type ServiceState } from './release-model';

/** A rollout's phase as a coloured badge; the title says what it is doing or waiting for. */
export function PhaseBadge({ rollout }: { readonly rollout: RolloutView }) {
  const { phase, message } = rollout.status;
  const title = [message, rollout.waitingFor === undefined ? undefined : `Waiting for: ${rollout.waitingFor}`].filter((t) => t !== undefined).join('\n');
  return (
    <span class={`rel-phase rel-phase-${phase.toLowerCase()}`} data-phase={phase} title={title}>
      {phase}
    </span>
  );
}

/** The link to a rollout's page. */
export function RolloutLink({ rollout }: { readonly rollout: RolloutView }) {
  return (
    <Link to={href(`rollouts/${encodeURIComponent(rollout.name)}`)} class="rel-rollout-link">
      {rollout.name}
    </Link>
  );
}

/** The canary weight as a bar and a number, the step n/N and what the current step does. */
export function Progress({ rollout, service }: { readonly rollout: RolloutView; readonly service: ServiceState }) {
  const weight = rollout.status.canaryWeight;
  const observed = service.traffic?.canary === rollout.spec.target ? service.traffic.weight : 0;
  const title = `The rollout wants ${weight} % of ${service.name}'s traffic on ${rollout.spec.target}; the data plane reports ${service.traffic === undefined ? 'nothing yet' : `${observed} %`}`;
  return (
    <div class="rel-progress">
      <div class="rel-weight" title={title}>
        <span class="rel-weight-bar" aria-hidden="true">
          <span class="rel-weight-fill" style={{ width: `${weight}%` }} />
        </span>
        <span class="num rel-weight-text" data-weight={weight}>
          {weight} % <span class="muted">on {rollout.spec.target}</span>
        </span>
      </div>
      <div class="rel-step-line small">
        <span class="num rel-step" data-step={stepText(rollout)}>
          {stepText(rollout)}
        </span>
        <span class="muted rel-step-desc">{currentStepText(rollout) ?? ''}</span>
      </div>
    </div>
  );
}

/** Health signals as badges; each title explains the signal (tooltips on hover, and read by screen readers). */
export function HealthBadges({ signals, label }: { readonly signals: readonly Signal[]; readonly label: string }) {
  return (
    <ul class="badges rel-health" aria-label={label}>
      {signals.map((s) => (
        <li key={s.key} class={`badge rel-health-${s.level}`} data-signal={s.key} data-level={s.level} title={s.title}>
          <span class="dot" aria-hidden="true" />
          {s.label}
          <span class="visually-hidden">: {s.title}</span>
        </li>
      ))}
    </ul>
  );
}

/** Requests, failed requests, users and traffic-minutes exposed to the target, against the budget's caps. */
export function ExposureList({ rollout }: { readonly rollout: RolloutView }) {
  const measures = exposureOf(rollout);
  const budget = rollout.spec.exposureBudget !== undefined;
  return (
    <div class="rel-exposure" title={rollout.status.verified === true ? 'An analysis passed for the target: the exposure budget no longer caps it' : budget ? 'Exposure against the rollout\'s exposure budget (spec.exposureBudget)' : 'Exposure of the target since its first request (no exposure budget)'}>
      <dl class="rel-exposure-list small">
        {measures.map((m) => (
          <div key={m.label} class={m.used !== undefined && m.used >= 1 ? 'rel-exposure-spent' : ''}>
            <dt>{m.label}</dt>
            <dd class="num">
              {m.value}
              {m.cap !== undefined && <span class="muted"> / {m.cap}</span>}
            </dd>
          </div>
        ))}
      </dl>
      {rollout.status.verified === true && <span class="small muted">verified: budget lifted</span>}
    </div>
  );
}

/** "Succeeded 3 minutes ago" for a rollout that ended. */
export function Ended({ rollout }: { readonly rollout: RolloutView }) {
  const at = rollout.status.finishedAt ?? rollout.status.updatedAt;
  return (
    <span class="small">
      <span class="muted">last: </span>
      <RolloutLink rollout={rollout} /> <PhaseBadge rollout={rollout} />{' '}
      <span class="muted" title={when(at)}>
        {ago(at)}
      </span>
    </span>
  );
}
