import type { FlagView } from '../api/client';
import { href, Link } from '../app/router';
import { environmentState, onEnvironments } from './environments';
import { useFlagChangeDenied } from './flag-permission';
import { FlagSwitch } from './flag-switch';
import { ago, targeting, when } from './format';
import { RolloutEditor } from './rollout-editor';

export interface FlagTableProps {
  readonly flags: readonly FlagView[];
  readonly environment: string;
  readonly environments: readonly string[];
  readonly pending: ReadonlySet<string>;
  readonly onToggle: (flag: FlagView) => void;
  readonly onKill: (flag: FlagView) => void;
  /** Saves a new default rollout in `environment`; resolves true when saved. */
  readonly onRollout: (flag: FlagView, rollout: number) => Promise<boolean>;
}

/** One badge per environment: where the flag is on, at a glance (the kill switch's "everywhere"). */
export function EnvironmentBadges({ flag, environments, selected }: { readonly flag: FlagView; readonly environments: readonly string[]; readonly selected?: string }) {
  return (
    <ul class="badges" aria-label={`${flag.name} by environment`}>
      {environments.map((env) => {
        const on = environmentState(flag, env).enabled;
        return (
          <li key={env} class={`badge ${on ? 'badge-on' : 'badge-off'} ${env === selected ? 'badge-selected' : ''}`} data-env={env} data-on={on}>
            <span aria-hidden="true" class="dot" />
            {env}: {on ? 'on' : 'off'}
          </li>
        );
      })}
    </ul>
  );
}

/** The kill switch's button: disabled once the flag is off in every environment. */
export function KillButton({ flag, busy, onKill }: { readonly flag: FlagView; readonly busy: boolean; readonly onKill: (flag: FlagView) => void }) {
  const off = onEnvironments(flag).length === 0;
  const denied = useFlagChangeDenied();
  return (
    <button type="button" class="button button-danger kill-button" disabled={off || busy || denied.disabled} title={denied.title} aria-describedby={denied['aria-describedby']}
      aria-label={`Kill switch: turn ${flag.name} off everywhere`} onClick={() => onKill(flag)}>
      {off ? 'Off everywhere' : busy ? 'Killing…' : 'Kill switch'}
    </button>
  );
}

function FlagRow({ flag, environment, environments, pending, onToggle, onKill, onRollout }: Omit<FlagTableProps, 'flags'> & { readonly flag: FlagView }) {
  const env = environmentState(flag, environment);
  const detail = targeting(env.rules, env.overrides);
  return (
    <tr data-flag={flag.name}>
      <th scope="row" data-label="Flag">
        <Link to={href(`flags/${encodeURIComponent(flag.name)}`, { env: environment })} class="flag-name">
          {flag.name}
        </Link>
        {flag.spec.description !== undefined && <span class="muted flag-description">{flag.spec.description}</span>}
      </th>
      <td data-label="Kind">
        <span class="kind">{flag.spec.kind}</span>
      </td>
      <td data-label={environment}>
        <FlagSwitch on={env.enabled} label={`${flag.name} in ${environment}`} busy={pending.has(`toggle:${flag.name}:${environment}`)} onToggle={() => onToggle(flag)} />
      </td>
      <td data-label="Rollout" class="num">
        <RolloutEditor flag={flag.name} environment={environment} rollout={env.rollout} muted={!env.enabled} busy={pending.has(`rollout:${flag.name}:${environment}`)} onSave={(r) => onRollout(flag, r)} />
        {detail !== '' && <span class="muted small"> + {detail}</span>}
      </td>
      <td data-label="Everywhere">
        <EnvironmentBadges flag={flag} environments={environments} selected={environment} />
      </td>
      <td data-label="Last change">
        <span title={when(flag.updatedAt)}>{ago(flag.updatedAt)}</span> <span class="muted small">v{flag.version}</span>
      </td>
      <td data-label="" class="actions">
        <KillButton flag={flag} busy={pending.has(`kill:${flag.name}`)} onKill={onKill} />
      </td>
    </tr>
  );
}

/** The flags of one environment: a table on wide screens, one card per flag on a phone. */
export function FlagTable(props: FlagTableProps) {
  return (
    <table class="table flag-table">
      <thead>
        <tr>
          <th scope="col">Flag</th>
          <th scope="col">Kind</th>
          <th scope="col">{props.environment}</th>
          <th scope="col">Rollout</th>
          <th scope="col">Everywhere</th>
          <th scope="col">Last change</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.flags.map((flag) => (
          <FlagRow key={flag.name} flag={flag} {...props} />
        ))}
      </tbody>
    </table>
  );
}
