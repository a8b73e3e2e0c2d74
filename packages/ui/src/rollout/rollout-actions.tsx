import { useEffect, useRef, useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../api/api-error';
import { useNotify } from '../app/notices';
import { deniedProps, PermissionNote } from '../auth/permission-note';
import { useCan } from '../auth/session';
import { ActionDialog, type ActionInput } from './action-dialog';
import { actionLabel, availableActions, isDanger, type Action } from './actions';
import type { RolloutApi, RolloutView, ServiceView } from './rollout-api';

export interface RolloutActionsProps {
  readonly view: RolloutView;
  readonly service: ServiceView | undefined;
  readonly rollouts: RolloutApi;
  /** The rollout the API answered (shown at once), then a refresh of everything. */
  readonly changed: (view: RolloutView | undefined) => void;
}

function call(rollouts: RolloutApi, view: RolloutView, action: Action, input: ActionInput): Promise<RolloutView | undefined> {
  const name = view.name;
  switch (action.kind) {
    case 'promote':
    case 'promote-full':
      return rollouts.promote(name, action.kind === 'promote-full');
    case 'pause':
      return rollouts.pause(name, input.text);
    case 'resume':
      return rollouts.resume(name, input.text);
    case 'approve':
      return rollouts.approve(name, input.text, action.item);
    case 'reject':
      return rollouts.reject(name, input.text);
    case 'abort':
      return rollouts.abort(name, input.text, input.force);
    case 'undo':
      return rollouts.undo(view.spec.service).then(() => undefined);
  }
}

const DONE: Readonly<Record<Action['kind'], string>> = {
  promote: 'promoted to the next step',
  'promote-full': 'promoting to 100 %',
  pause: 'paused',
  resume: 'resumed',
  approve: 'approved',
  reject: 'rejected: rolling back',
  abort: 'aborting: traffic returns to stable',
  undo: 'undone',
};

const NOTE_ID = 'rollout-actions-permission';

/** The buttons that apply to the rollout's phase; each opens a dialog that says what it will do. */
export function RolloutActions({ view, service, rollouts, changed }: RolloutActionsProps) {
  const notify = useNotify();
  const [open, setOpen] = useState<Action | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const opener = useRef<HTMLElement | null>(null);
  const group = useRef<HTMLDivElement>(null);
  const show = (action: Action | undefined) => {
    if (action !== undefined) opener.current = document.activeElement as HTMLElement | null;
    setError(undefined);
    setOpen(action);
  };
  // Focus goes back to the button that opened the dialog (or the group, if the action removed it).
  useEffect(() => {
    if (open !== undefined || opener.current === null) return;
    (opener.current.isConnected ? opener.current : group.current)?.focus();
    opener.current = null;
  }, [open]);
  const actions = availableActions(view, service);
  const allowed = useCan(actions.some((a) => a.kind === 'undo') ? 'service.undo' : 'rollout.steer', view.spec.service);
  const run = async (action: Action, input: ActionInput) => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await call(rollouts, view, action, input);
      changed(answer);
      show(undefined);
      notify.ok(`${action.kind === 'undo' ? view.spec.service : view.name}: ${action.item === undefined ? DONE[action.kind] : `${action.item} confirmed`}`);
    } catch (error) {
      const failure = toApiError(error);
      setError(failure);
      notify.error(`${actionLabel(action)} failed for ${view.name}`, failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="rollout-actions" role="group" aria-label="Actions" tabIndex={-1} ref={group}>
      {actions.length === 0 && <span class="muted small">No action applies to a rollout that is {view.status.phase.toLowerCase()}.</span>}
      {actions.map((a) => (
        <button key={`${a.kind}:${a.item ?? ''}`} type="button" class={`button ${isDanger(a.kind) ? 'button-danger' : a.kind === 'approve' ? 'button-primary' : ''}`} data-action={a.kind} onClick={() => show(a)} {...deniedProps(allowed, NOTE_ID)}>
          {actionLabel(a)}
        </button>
      ))}
      {actions.length > 0 && <PermissionNote id={NOTE_ID} verdict={allowed} what="Steering this rollout" />}
      {open !== undefined && <ActionDialog action={open} view={view} rollouts={rollouts} busy={busy} error={error} onConfirm={(input) => void run(open, input)} onCancel={() => show(undefined)} />}
    </div>
  );
}
