import { useState } from 'preact/hooks';
import type { FlagView } from '../api/client';
import { ConfirmDialog } from '../app/confirm-dialog';
import { onEnvironments } from './environments';

export interface KillDialogProps {
  readonly flag: FlagView;
  readonly busy: boolean;
  readonly onConfirm: (reason: string) => void;
  readonly onCancel: () => void;
}

/** Says exactly what the kill switch does and how to undo it, and asks for a confirmation and a reason. */
export function KillDialog({ flag, busy, onConfirm, onCancel }: KillDialogProps) {
  const [reason, setReason] = useState('');
  const on = onEnvironments(flag);
  const all = Object.keys(flag.environments);
  return (
    <ConfirmDialog title={`Kill switch: ${flag.name}`} confirmLabel={`Turn ${flag.name} off everywhere`} danger busy={busy} onConfirm={() => onConfirm(reason)} onCancel={onCancel}>
      <p>
        This turns <strong>{flag.name}</strong> off in <strong>every environment</strong>
        {all.length > 0 && <> ({all.join(', ')})</>}. It is on now in {on.length === 0 ? 'no environment' : on.join(', ')}. Nobody gets the flag,
        whatever its rules and overrides say.
      </p>
      <p>Connected SDKs and the proxy receive the change within about 1 second.</p>
      <p>
        To undo it, restore version {flag.version} (the settings it has now) from the flag's history, or run{' '}
        <code>
          sluice flag restore {flag.name} {flag.version}
        </code>
        .
      </p>
      <label class="field">
        <span>Reason (recorded in the history)</span>
        <input type="text" name="reason" maxLength={1000} placeholder="kill switch" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      </label>
    </ConfirmDialog>
  );
}
