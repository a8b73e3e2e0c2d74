import { useState } from 'preact/hooks';
import type { FlagRevision, FlagView } from '../api/client';
import { useFlagStream } from '../api/flag-stream';
import { useApi } from '../app/api-context';
import { LiveIndicator } from '../app/live-indicator';
import { ErrorDetails } from '../app/notices';
import { href, Link, navigate } from '../app/router';
import { useResource } from '../app/use-resource';
import { environmentsOf, environmentState } from './environments';
import { FlagHistory } from './flag-history';
import { FlagPermissionNote } from './flag-permission';
import { FlagSwitch } from './flag-switch';
import { KillButton } from './flag-table';
import { targeting } from './format';
import { RolloutEditor } from './rollout-editor';
import { RulesEditor } from './rules-editor';
import { EnvironmentPicker } from './environment-picker';
import { KillDialog } from './kill-dialog';
import { useFlagActions } from './use-flag-actions';

interface FlagData {
  readonly flag: FlagView;
  readonly history: readonly FlagRevision[];
}

interface EnvironmentTableProps {
  readonly flag: FlagView;
  readonly pending: ReadonlySet<string>;
  readonly onToggle: (env: string) => void;
  readonly onRollout: (env: string, rollout: number) => Promise<boolean>;
}

function EnvironmentTable({ flag, pending, onToggle, onRollout }: EnvironmentTableProps) {
  return (
    <table class="table env-table">
      <thead>
        <tr>
          <th scope="col">Environment</th>
          <th scope="col">State</th>
          <th scope="col">Rollout</th>
          <th scope="col">Targeting</th>
        </tr>
      </thead>
      <tbody>
        {environmentsOf([flag]).map((env) => {
          const s = environmentState(flag, env);
          return (
            <tr key={env} data-env={env}>
              <th scope="row" data-label="Environment">
                {env}
              </th>
              <td data-label="State">
                <FlagSwitch on={s.enabled} label={`${flag.name} in ${env}`} busy={pending.has(`toggle:${flag.name}:${env}`)} onToggle={() => onToggle(env)} />
              </td>
              <td data-label="Rollout" class="num">
                <RolloutEditor flag={flag.name} environment={env} rollout={s.rollout} muted={!s.enabled} busy={pending.has(`rollout:${flag.name}:${env}`)} onSave={(r) => onRollout(env, r)} />
              </td>
              <td data-label="Targeting">{targeting(s.rules, s.overrides) || <span class="muted">none</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function FlagHeader({ flag }: { readonly flag: FlagView }) {
  return (
    <div>
      <h1 id="page-title">{flag.name}</h1>
      <p class="muted summary">
        <span class="kind">{flag.spec.kind}</span> {flag.spec.type} flag, version {flag.version}
        {flag.spec.owner !== undefined && <>, owned by {flag.spec.owner}</>}
      </p>
      {flag.spec.description !== undefined && <p>{flag.spec.description}</p>}
    </div>
  );
}

/** The rules editor of one environment, picked like on the list (the URL keeps it: `?env=`). */
function Targeting({ flag, environment, saved }: { readonly flag: FlagView; readonly environment: string; readonly saved: (flag: FlagView) => void }) {
  const path = `flags/${encodeURIComponent(flag.name)}`;
  return (
    <section aria-labelledby="targeting-title">
      <h2 id="targeting-title">Targeting in {environment}</h2>
      <EnvironmentPicker environments={environmentsOf([flag])} value={environment} onChange={(env) => navigate(href(path, { env }), { replace: true })} />
      <RulesEditor key={environment} flag={flag} environment={environment} saved={saved} />
    </section>
  );
}

/** One flag: its state in every environment, its kill switch, and its history (with restore). */
export function FlagDetail({ name, environment }: { readonly name: string; readonly environment: string }) {
  const api = useApi();
  const data = useResource<FlagData>(`flag:${name}`, async () => {
    const [flag, history] = await Promise.all([api.getFlag(name), api.flagHistory(name)]);
    return { flag, history };
  });
  const live = useFlagStream(api.flagStreamUrl(environment), data.reload);
  // An action's answer shows at once; the history follows with the reload it triggers.
  const actions = useFlagActions((flag) => {
    data.set((d) => (d === undefined ? d : { ...d, flag }));
    data.reload();
  });
  const [killing, setKilling] = useState(false);
  const flag = data.data?.flag;
  return (
    <section aria-labelledby="page-title">
      <p>
        <Link to={href('flags', { env: environment })}>← All flags</Link>
      </p>
      {data.error !== undefined && (
        <div class="panel panel-error" role="alert">
          <strong>Could not load flag {name}</strong>
          <ErrorDetails error={data.error} />
        </div>
      )}
      {flag === undefined && data.error === undefined && <div class="skeleton" aria-hidden="true" />}
      {flag !== undefined && (
        <>
          <div class="page-head">
            <FlagHeader flag={flag} />
            <div class="head-actions">
              <LiveIndicator status={live} />
              <KillButton flag={flag} busy={actions.pending.has(`kill:${flag.name}`)} onKill={() => setKilling(true)} />
            </div>
          </div>
          <FlagPermissionNote />
          <EnvironmentTable flag={flag} pending={actions.pending} onToggle={(env) => void actions.toggle(flag, env)} onRollout={(env, r) => actions.setRollout(flag, env, r)} />
          <Targeting flag={flag} environment={environment} saved={(f) => (data.set((d) => (d === undefined ? d : { ...d, flag: f })), data.reload())} />
          <h2>History</h2>
          <FlagHistory flag={flag} revisions={data.data?.history ?? []} busy={actions.pending.has(`restore:${flag.name}`)} onRestore={(v) => actions.restore(flag, v)} />
          {killing && (
            <KillDialog flag={flag} busy={actions.pending.has(`kill:${flag.name}`)} onConfirm={(r) => void actions.kill(flag, r).then((ok) => ok && setKilling(false))} onCancel={() => setKilling(false)} />
          )}
        </>
      )}
    </section>
  );
}
