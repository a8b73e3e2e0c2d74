import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useActor } from '../app/actor';
import type { ApiError } from '../api/api-error';
import { ConfirmDialog } from '../app/confirm-dialog';
import { ErrorDetails } from '../app/notices';
import { useResource } from '../app/use-resource';
import { percent } from '../flags/format';
import { actionLabel, isDanger, type Action } from './actions';
import { stepText } from './format';
import type { RolloutApi, RolloutView } from './rollout-api';

export interface ActionInput {
  readonly text: string;
  readonly force: boolean;
}

/** The text field each action asks for, if any. */
const FIELDS: Partial<Record<Action['kind'], string>> = {
  pause: 'Reason (recorded in the history)',
  resume: 'Comment (recorded in the history)',
  approve: 'Comment (recorded with your approval)',
  reject: 'Comment (why; recorded with the rejection)',
  abort: 'Reason (recorded in the history)',
};

function current(view: RolloutView): string {
  const step = view.steps[view.status.stepIndex];
  return step === undefined ? stepText(view) : `${stepText(view)} (${step.description})`;
}

function UndoText({ view, rollouts }: { readonly view: RolloutView; readonly rollouts: RolloutApi }) {
  const revisions = useResource(`revisions:${view.spec.service}`, () => rollouts.revisions(view.spec.service));
  const list = revisions.data ?? [];
  const now = list.find((r) => r.current);
  const back = now === undefined ? undefined : [...list].reverse().find((r) => r.number < now.number);
  if (revisions.data === undefined) return <p class="muted">Loading the revisions of {view.spec.service}…</p>;
  return (
    <>
      <p>
        This makes <strong>{back?.stable ?? 'the previous version'}</strong>
        {back !== undefined && <> (revision {back.number})</>} the stable version of {view.spec.service} again <strong>at once, without analysis</strong>: 100 % of users
        go to it in one data-plane update. {now !== undefined && <>Now {now.stable} serves everyone (revision {now.number}{now.rollout !== undefined ? `, promoted by ${now.rollout}` : ''}).</>}
      </p>
      {back !== undefined && !back.undoable && <p class="dialog-warning">The API will refuse: {back.reason ?? 'that revision cannot be returned to'}.</p>}
      <p>A new revision records the undo; you can roll forward again with a new rollout.</p>
    </>
  );
}

function AbortText({ view, force, setForce }: { readonly view: RolloutView; readonly force: boolean; readonly setForce: (f: boolean) => void }) {
  const ponr = view.status.pointOfNoReturn;
  return (
    <>
      <p>
        All traffic returns to <strong>{view.status.stable}</strong> at once ({view.spec.target} serves {percent(view.status.canaryWeight)} now). The rollout's header and segment
        routes and its mirror are removed, checklist rollback verifications run, and the rollout ends <strong>Aborted</strong>: it cannot be resumed.
      </p>
      {ponr !== undefined && (
        <>
          <p class="dialog-warning">
            This rollout is past its point of no return (step {ponr.step + 1}: {ponr.reason}). The API refuses a plain abort. Forcing it returns traffic to {view.status.stable}{' '}
            anyway, but does <strong>not</strong> undo what the irreversible step did.
          </p>
          <label class="check">
            <input type="checkbox" name="force" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} /> Force the abort past the point of no return
          </label>
        </>
      )}
    </>
  );
}

function explain(action: Action, view: RolloutView, actor: string): ComponentChildren {
  const next = view.steps[view.status.stepIndex + 1];
  const hold = view.status.hold;
  switch (action.kind) {
    case 'promote':
      return <p>This ends the current pause{hold !== undefined ? ` and releases the hold (${hold.source}: ${hold.reason})` : ''} at {current(view)}; the rollout goes on{next !== undefined ? ` with step ${next.index + 1}: ${next.description}` : ' and promotes'}.</p>;
    case 'promote-full':
      return <p>This skips every remaining step — no more pauses, analysis or approvals — and moves 100 % of traffic to <strong>{view.spec.target}</strong>, which becomes the stable version of {view.spec.service}.</p>;
    case 'pause':
      return <p>This stops the rollout at {current(view)}: {view.spec.target} keeps serving {percent(view.status.canaryWeight)} and no further step runs until someone resumes it. The guard keeps watching.</p>;
    case 'resume':
      return <p>This lets the paused rollout go on from {current(view)}. A pause step still waits out its time (Promote ends it).</p>;
    case 'approve':
      return action.item === undefined
        ? <p>This records your approval, as <strong>{actor}</strong>, of {current(view)}; the rollout goes on{next !== undefined ? ` to step ${next.index + 1}: ${next.description}` : ''}.</p>
        : <p>This confirms, as <strong>{actor}</strong>, that the instruction <strong>{action.item}</strong> is done; its verification then runs.</p>;
    case 'reject':
      return <p>This rejects {current(view)} as <strong>{actor}</strong>: the rollout aborts and all traffic returns to <strong>{view.status.stable}</strong> at once.</p>;
    default:
      return null;
  }
}

export interface ActionDialogProps {
  readonly action: Action;
  readonly view: RolloutView;
  readonly rollouts: RolloutApi;
  readonly busy: boolean;
  /** The last attempt's failure, shown in the dialog (the page behind it is inert). */
  readonly error: ApiError | undefined;
  readonly onConfirm: (input: ActionInput) => void;
  readonly onCancel: () => void;
}

/** Says exactly what an action will do, asks for its comment or reason, and confirms it. */
export function ActionDialog({ action, view, rollouts, busy, error, onConfirm, onCancel }: ActionDialogProps) {
  const [text, setText] = useState('');
  const [force, setForce] = useState(false);
  const [actor] = useActor();
  const field = FIELDS[action.kind];
  const title = action.kind === 'undo' ? `Undo: ${view.spec.service}` : `${actionLabel(action)}: ${view.name}`;
  const confirm = action.kind === 'abort' && force ? 'Force abort' : actionLabel(action);
  return (
    <ConfirmDialog title={title} confirmLabel={confirm} danger={isDanger(action.kind)} busy={busy} onConfirm={() => onConfirm({ text: text.trim(), force })} onCancel={onCancel}>
      {action.kind === 'undo' ? <UndoText view={view} rollouts={rollouts} /> : action.kind === 'abort' ? <AbortText view={view} force={force} setForce={setForce} /> : explain(action, view, actor)}
      {field !== undefined && (
        <label class="field">
          <span>{field}</span>
          <input type="text" name="comment" maxLength={action.kind === 'abort' || action.kind === 'pause' ? 1000 : 2000} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
      )}
      {error !== undefined && (
        <div class="dialog-error" role="alert">
          <ErrorDetails error={error} />
        </div>
      )}
    </ConfirmDialog>
  );
}
