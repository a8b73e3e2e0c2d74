import type { ComponentChildren } from 'preact';
import { LiveIndicator } from '../app/live-indicator';
import type { StreamStatus } from '../api/flag-stream';
import { href, Link } from '../app/router';
import { percent } from '../flags/format';
import { stepText } from './format';
import type { RolloutView } from './rollout-api';

function Fact({ label, name, children }: { readonly label: string; readonly name: string; readonly children: ComponentChildren }) {
  return (
    <div class="fact" data-fact={name}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The rollout at a glance: what goes where, where it is, and what it waits for. */
export function RolloutHeader({ view, live }: { readonly view: RolloutView; readonly live: StreamStatus }) {
  const { status, spec } = view;
  const current = view.steps[status.stepIndex];
  return (
    <div class="rollout-head">
      <div class="page-head">
        <div>
          <h1 id="page-title">
            {view.name} <span class={`phase phase-${status.phase.toLowerCase()}`} data-phase={status.phase}>{status.phase}</span>
          </h1>
          <p class="muted summary rollout-message">{status.message}</p>
        </div>
        <LiveIndicator status={live} />
      </div>
      <dl class="facts">
        <Fact label="Service" name="service">
          <Link to={href(`services/${encodeURIComponent(spec.service)}`)}>{spec.service}</Link>
        </Fact>
        <Fact label="Versions" name="versions">
          {status.stable} → {spec.target}
        </Fact>
        <Fact label="Step" name="step">
          <span data-step-index={status.stepIndex}>{stepText(view)}</span>
          {current !== undefined && <span class="muted small fact-detail">{current.description}</span>}
        </Fact>
        <Fact label="Canary weight" name="weight">
          <span class="num" data-weight={status.canaryWeight}>{percent(status.canaryWeight)}</span>
        </Fact>
        <Fact label="Waiting for" name="waiting">
          {view.waitingFor ?? <span class="muted">nothing</span>}
        </Fact>
      </dl>
      {status.hold !== undefined && (
        <div class="panel hold" role="note" data-hold={status.hold.source}>
          <strong>Held by the {status.hold.source === 'irreversible' ? 'point of no return' : status.hold.source}:</strong> {status.hold.reason}
          <span class="muted small"> — Promote goes on, Abort rolls back.</span>
        </div>
      )}
    </div>
  );
}
