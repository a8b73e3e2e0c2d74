import { useState } from 'preact/hooks';
import type { FlagRevision, FlagView } from '../api/client';
import { ConfirmDialog } from '../app/confirm-dialog';
import { useFlagChangeDenied } from './flag-permission';
import { ago, percent, when } from './format';

/** "production on 10 %, staging off" — the settings a version had. */
export function settingsOf(revision: FlagRevision): string {
  const parts = Object.entries(revision.spec.environments).map(([env, s]) => `${env} ${s.enabled ? `on ${percent(s.default.rollout)}` : 'off'}`);
  return parts.length === 0 ? 'off everywhere' : parts.join(', ');
}

export interface FlagHistoryProps {
  readonly flag: FlagView;
  readonly revisions: readonly FlagRevision[];
  readonly busy: boolean;
  readonly onRestore: (version: number) => Promise<boolean>;
}

function RevisionItem({ revision, current, onRestore }: { readonly revision: FlagRevision; readonly current: boolean; readonly onRestore: () => void }) {
  const { change } = revision;
  const denied = useFlagChangeDenied();
  return (
    <li class="revision" data-version={revision.version}>
      <div class="revision-head">
        <strong>v{revision.version}</strong>
        <span title={when(change.at)}>{ago(change.at)}</span>
        <span>
          by <strong>{change.actor}</strong>
        </span>
        {change.rollout !== undefined && <span class="muted">rollout {change.rollout}</span>}
        {current ? (
          <span class="kind">current</span>
        ) : (
          <button type="button" class="button button-small" onClick={onRestore} {...denied}>
            Restore v{revision.version}
          </button>
        )}
      </div>
      <div>{change.reason}</div>
      <div class="muted small">{settingsOf(revision)}</div>
    </li>
  );
}

/** Every version of the flag, newest first: who, when, why, and what it set; any older one can be restored. */
export function FlagHistory({ flag, revisions, busy, onRestore }: FlagHistoryProps) {
  const [restoring, setRestoring] = useState<FlagRevision | undefined>(undefined);
  const confirm = async () => {
    if (restoring !== undefined && (await onRestore(restoring.version))) setRestoring(undefined);
  };
  return (
    <>
      <ol class="history">
        {revisions.map((r) => (
          <RevisionItem key={r.version} revision={r} current={r.version === flag.version} onRestore={() => setRestoring(r)} />
        ))}
      </ol>
      {restoring !== undefined && (
        <ConfirmDialog title={`Restore version ${restoring.version} of ${flag.name}?`} confirmLabel={`Restore v${restoring.version}`} busy={busy} onConfirm={() => void confirm()} onCancel={() => setRestoring(undefined)}>
          <p>
            Its settings become current again as a new version ({settingsOf(restoring)}). Connected SDKs receive them within about 1 second. The history
            keeps every version.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
