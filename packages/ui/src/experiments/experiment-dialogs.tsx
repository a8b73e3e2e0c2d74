import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../app/confirm-dialog';
import type { ExperimentView } from './experiments-api';

const isVersions = (view: ExperimentView) => view.spec.variants.every((v) => 'version' in v.serves);

export interface StopDialogProps {
  readonly view: ExperimentView;
  readonly busy: boolean;
  readonly onConfirm: (reason: string) => void;
  readonly onCancel: () => void;
}

/** Stop: says what ends and what stays possible, asks for an optional reason. */
export function StopDialog({ view, busy, onConfirm, onCancel }: StopDialogProps) {
  const [reason, setReason] = useState('');
  return (
    <ConfirmDialog title={`Stop ${view.name}?`} confirmLabel={`Stop ${view.name}`} danger busy={busy} onConfirm={() => onConfirm(reason.trim())} onCancel={onCancel}>
      <p>
        The experiment counts no more events, and its result so far is recorded (now: <strong>{view.report.result}</strong>
        {view.report.winner !== null && <>, winner {view.report.winner}</>}).
      </p>
      {isVersions(view) ? (
        <p>The service {view.spec.service} gives the split back: everyone is on its stable version from the next pass.</p>
      ) : (
        <p>Flags are not changed: the application keeps serving what the flag says.</p>
      )}
      <p>It can still be promoted afterwards.</p>
      <label class="field">
        <span>Reason (recorded with the experiment)</span>
        <input type="text" name="reason" maxLength={1000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      </label>
    </ConfirmDialog>
  );
}

export interface PromoteDialogProps {
  readonly view: ExperimentView;
  readonly busy: boolean;
  readonly onConfirm: (choice: { variant: string; force: boolean }) => void;
  readonly onCancel: () => void;
}

/** Promote: the report's winner by default; another variant only with an explicit "promote anyway". */
export function PromoteDialog({ view, busy, onConfirm, onCancel }: PromoteDialogProps) {
  const winner = view.report.winner;
  const [variant, setVariant] = useState(winner ?? view.spec.control);
  const [force, setForce] = useState(false);
  const [asked, setAsked] = useState(false);
  const needsForce = variant !== winner;
  const confirm = () => {
    if (needsForce && !force) {
      setAsked(true);
      document.getElementById('promote-force')?.focus();
      return;
    }
    onConfirm({ variant, force: needsForce });
  };
  const choose = (name: string) => {
    setVariant(name);
    setForce(false);
    setAsked(false);
  };
  const serves = view.spec.variants.find((v) => v.name === variant)?.serves;
  return (
    <ConfirmDialog title={`Promote ${view.name}?`} confirmLabel={`Promote ${variant}`} busy={busy} onConfirm={confirm} onCancel={onCancel}>
      <p>{winner === null ? <>The report names no winner (result: {view.report.result}).</> : <>The report's winner is <strong>{winner}</strong>.</>}</p>
      <label class="field">
        <span>Variant to promote</span>
        <select name="variant" value={variant} onChange={(e) => choose(e.currentTarget.value)}>
          {view.spec.variants.map((v) => (
            <option key={v.name} value={v.name}>
              {v.name}
              {v.name === winner ? ' (winner)' : ''}
            </option>
          ))}
        </select>
      </label>
      {serves !== undefined && 'version' in serves ? (
        <p>
          Version <strong>{serves.version}</strong> becomes the stable version of {view.spec.service} at once, for everyone (a new revision; undo returns to the
          previous one). The experiment ends.
        </p>
      ) : (
        <p>The choice is recorded and the experiment ends; the flag itself is not changed.</p>
      )}
      {needsForce && (
        <label class="check-field">
          <input type="checkbox" id="promote-force" name="force" aria-describedby={asked ? 'promote-force-why' : undefined} checked={force} onChange={(e) => setForce(e.currentTarget.checked)} />
          <span>Promote {variant} although the report does not name it the winner</span>
        </label>
      )}
      {needsForce && asked && !force && (
        <p id="promote-force-why" class="field-error" role="alert">
          Tick the box to promote a variant that is not the winner.
        </p>
      )}
    </ConfirmDialog>
  );
}
