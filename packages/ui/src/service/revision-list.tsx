import { useCan } from '../auth/session';
import { ago, when } from '../flags/format';
import { PhaseBadge, RolloutLink } from '../releases/release-parts';
import type { RolloutView } from '../releases/release-model';
import { attemptsDuring, outcomeText, undoBlocked, type RevisionView, type ServiceHistory } from './service-model';

/** The rollout that made the revision, and how it ended. */
function MadeBy({ revision, history }: { readonly revision: RevisionView; readonly history: ServiceHistory }) {
  const rollout = history.rollouts.find((r) => r.name === revision.rollout);
  return (
    <div class="rel-revision-outcome">
      {outcomeText(revision)}
      {rollout !== undefined && (
        <>
          {' '}
          (<RolloutLink rollout={rollout} /> <PhaseBadge rollout={rollout} /> {rollout.spec.strategy.kind}, {rollout.steps.length} steps)
        </>
      )}
    </div>
  );
}

function Attempt({ rollout }: { readonly rollout: RolloutView }) {
  const at = rollout.status.finishedAt ?? rollout.status.updatedAt;
  return (
    <li data-rollout={rollout.name}>
      <RolloutLink rollout={rollout} /> to {rollout.spec.target} <PhaseBadge rollout={rollout} />{' '}
      <span class="muted" title={when(at)}>
        {ago(at)}
      </span>
      <span class="muted small"> — {rollout.status.message}</span>
    </li>
  );
}

function UndoControl({ revision, history, onUndo }: { readonly revision: RevisionView; readonly history: ServiceHistory; readonly onUndo: () => void }) {
  const allowed = useCan('service.undo', history.service.name);
  if (revision.current) return <span class="kind rel-revision-current">current</span>;
  const blocked = allowed.allowed ? undoBlocked(revision, history.service) : `Undo ${allowed.reason}`;
  const reasonId = `undo-reason-${revision.number}`;
  return (
    <span class="rel-undo-control">
      <button type="button" class="button button-small" disabled={blocked !== undefined} aria-describedby={blocked === undefined ? undefined : reasonId} onClick={onUndo}>
        Undo to revision {revision.number}
      </button>
      {blocked !== undefined && (
        <span id={reasonId} class="muted small rel-undo-reason">
          {blocked}
        </span>
      )}
    </span>
  );
}

function RevisionItem({ revision, history, onUndo }: { readonly revision: RevisionView; readonly history: ServiceHistory; readonly onUndo: () => void }) {
  const attempts = attemptsDuring(revision, history);
  return (
    <li class={`revision ${revision.current ? 'rel-revision-is-current' : ''}`} data-revision={revision.number} data-current={revision.current}>
      <div class="revision-head">
        <strong>Revision {revision.number}</strong>
        <span class="rel-version">{revision.stable}</span>
        <span title={when(revision.createdAt)}>{ago(revision.createdAt)}</span>
        <span>
          by <strong>{revision.actor}</strong>
        </span>
        <UndoControl revision={revision} history={history} onUndo={onUndo} />
      </div>
      <MadeBy revision={revision} history={history} />
      {revision.supersededAt !== undefined && <div class="muted small">superseded {ago(revision.supersededAt)} ({when(revision.supersededAt)})</div>}
      {attempts.length > 0 && (
        <ul class="rel-attempts small" aria-label={`Rollouts from revision ${revision.number} that did not make a revision`}>
          {attempts.map((r) => (
            <Attempt key={r.name} rollout={r} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** The service's revisions, newest first: version, who, when, the rollout that made each and how it ended, and Undo. */
export function RevisionList({ history, onUndo }: { readonly history: ServiceHistory; readonly onUndo: (revision: RevisionView) => void }) {
  return (
    <ol class="history rel-revisions" aria-label="Revisions">
      {history.revisions.map((r) => (
        <RevisionItem key={r.number} revision={r} history={history} onUndo={() => onUndo(r)} />
      ))}
    </ol>
  );
}
