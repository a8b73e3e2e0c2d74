import type { BackfillProgress } from '@sluice/domain';
import { href, Link } from '../app/router';
import { when } from '../flags/format';
import { backfillEtaMs, backfillPercent, describeChange, duration, stagesOf, type MigrationRollout } from './migration-model';

const count = (n: number) => n.toLocaleString('en-US');

const STAGE_TEXT = { pending: 'not yet', running: 'running', done: 'done', reverted: 'undone (down ran)', skipped: 'none' } as const;

function Stages({ m }: { readonly m: MigrationRollout }) {
  return (
    <ol class="stages" aria-label="Migration stages">
      {stagesOf(m).map((s) => (
        <li key={s.name} class={`stage stage-${s.state}`} data-stage={s.name} data-state={s.state}>
          <span class="stage-name">{s.name}</span> <span class="stage-state">{STAGE_TEXT[s.state]}</span>
        </li>
      ))}
    </ol>
  );
}

/** The backfill's bar: rows copied against rows left, the ETA at the rate so far. Fixed height, so updates never move the page. */
function Backfill({ b, name }: { readonly b: BackfillProgress | undefined; readonly name: string }) {
  const percent = b === undefined ? undefined : backfillPercent(b);
  const eta = b === undefined ? undefined : backfillEtaMs(b);
  const text =
    b === undefined
      ? 'not started'
      : b.finishedAt !== undefined
        ? `done: ${count(b.rows)} rows in ${count(b.batches)} batches (${duration(b.finishedAt - b.startedAt)})`
        : `${percent === undefined ? '' : `${percent}% — `}${count(b.rows)} rows${b.remaining === undefined ? '' : `, ${count(b.remaining)} left`}${eta === undefined ? '' : `, ETA ${duration(eta)}`}`;
  return (
    <div class="backfill">
      <div
        class="progress"
        role="progressbar"
        aria-label={`Backfill of ${name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={text}
      >
        <span class="progress-fill" style={{ width: `${percent ?? 0}%` }} />
      </div>
      <p class="backfill-text num">{text}</p>
    </div>
  );
}

function Sql({ title, sql }: { readonly title: string; readonly sql: string | undefined }) {
  if (sql === undefined || sql.trim() === '') return null;
  const lines = sql.trim().split('\n').length;
  return (
    <details class="sql" data-sql={title}>
      <summary>
        {title} <span class="muted small">({lines} line{lines === 1 ? '' : 's'})</span>
      </summary>
      <pre>
        <code>{sql.trim()}</code>
      </pre>
    </details>
  );
}

function PointOfNoReturn({ m }: { readonly m: MigrationRollout }) {
  const passed = m.rollout.status.pointOfNoReturn;
  if (passed !== undefined) {
    return (
      <p class="ponr ponr-passed">
        <strong>Point of no return passed</strong> {when(passed.at)}: {passed.reason}. A rollback can no longer undo the schema.
      </p>
    );
  }
  if (m.spec.contract === undefined) return <p class="ponr muted">No contract phase: a rollback can always run down.</p>;
  return <p class="ponr muted">Point of no return: not reached. Contract runs after 100 %, drain and an approval; until then a rollback runs down.</p>;
}

/** One rollout's migration: its stages, backfill progress, point of no return and the SQL of each phase. */
export function MigrationCard({ m }: { readonly m: MigrationRollout }) {
  const { rollout, spec, state } = m;
  const change = describeChange(spec);
  return (
    <article class="panel migration" data-rollout={rollout.name} data-phase={state.phase} aria-labelledby={`migration-${rollout.name}`}>
      <div class="migration-head">
        <h2 id={`migration-${rollout.name}`}>
          <Link to={href(`rollouts/${encodeURIComponent(rollout.name)}`)}>{rollout.name}</Link>
        </h2>
        <span class="kind">{rollout.status.phase}</span>
        <span class="muted">
          {rollout.spec.service} → {rollout.spec.target}
        </span>
      </div>
      <p>
        Phase <strong class="migration-phase">{state.phase}</strong>
        {change !== undefined && <> · {change}, dual write by trigger until contract</>} · database <code>${spec.databaseUrlEnv}</code>
      </p>
      <Stages m={m} />
      {spec.backfill !== undefined && <Backfill b={state.backfill} name={rollout.name} />}
      <PointOfNoReturn m={m} />
      <Sql title="Expand" sql={spec.expand} />
      <Sql title="Backfill batch" sql={spec.backfill?.batchSql} />
      <Sql title="Contract" sql={spec.contract} />
      <Sql title="Down (rollback)" sql={spec.down} />
    </article>
  );
}
