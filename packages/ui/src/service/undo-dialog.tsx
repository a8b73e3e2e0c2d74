import { ConfirmDialog } from '../app/confirm-dialog';
import type { ServiceState } from '../releases/release-model';
import type { RevisionView } from './service-model';

export interface UndoDialogProps {
  readonly service: ServiceState;
  readonly revision: RevisionView;
  readonly busy: boolean;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

/** Says exactly what undo to `revision` does, and how to go back, before it is done. */
export function UndoDialog({ service, revision, busy, onConfirm, onCancel }: UndoDialogProps) {
  const { name, status } = service;
  return (
    <ConfirmDialog title={`Undo ${name} to revision ${revision.number}?`} confirmLabel={`Undo to revision ${revision.number} (${revision.stable})`} danger busy={busy} onConfirm={onConfirm} onCancel={onCancel}>
      <p>
        <strong>{revision.stable}</strong> becomes the stable version of <strong>{name}</strong> again, at once: the data plane sends 100 % of its
        traffic to {revision.stable} in one update, without analysis. Now <strong>{status.stable}</strong> serves everyone (revision {status.revision}).
      </p>
      <p>
        Sluice records a new revision {status.revision + 1} (undo to revision {revision.number}) and a StableChanged event with the name in “Acting as”.
        Nothing is deleted: to go back, undo to revision {status.revision} from this page, or run{' '}
        <code>
          sluice undo {name} --to-revision {status.revision}
        </code>
        .
      </p>
    </ConfirmDialog>
  );
}
