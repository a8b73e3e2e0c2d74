import type { MeasurementRecord, SideSummary } from '@sluice/domain';
import { useState } from 'preact/hooks';
import { when } from '../flags/format';
import { clock, num, pValue } from './format';
import type { ReleaseEvent } from './rollout-api';

const PAGE = 100;

function side(name: string, s: SideSummary | undefined): string | undefined {
  if (s === undefined) return undefined;
  const errors = s.errors === undefined ? '' : `, ${num(s.errors)} errors`;
  return `${name} n=${num(s.n)}${errors}${s.value === undefined ? '' : `, value ${num(s.value)}`}`;
}

/** The evidence of a measurement: both sides, statistic, p, interval, threshold. */
function evidence(m: MeasurementRecord): string {
  const parts = [side('canary', m.canary), side('stable', m.stable)];
  if (m.statistic !== undefined) parts.push(`statistic ${num(m.statistic)}`);
  if (m.pValue !== undefined) parts.push(`p ${pValue(m.pValue)}`);
  if (m.interval !== undefined) parts.push(`CI [${num(m.interval[0])}, ${num(m.interval[1])}]`);
  if (m.threshold !== undefined) parts.push(`threshold ${num(m.threshold)}`);
  return parts.filter((p) => p !== undefined).join('; ');
}

function isMeasurement(data: unknown): data is MeasurementRecord {
  return typeof data === 'object' && data !== null && typeof (data as MeasurementRecord).result === 'string' && typeof (data as MeasurementRecord).metric === 'string';
}

/** What, outcome, evidence and rule of one decision, whatever its type. */
function describe(e: ReleaseEvent): { what: string; outcome: string; evidence: string; rule: string } {
  const data = e.data ?? {};
  const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : undefined);
  if (e.type === 'AnalysisMeasured' && isMeasurement(data)) {
    return { what: `${data.metric} (${data.source}, step ${data.step + 1})`, outcome: data.result, evidence: evidence(data), rule: `${data.rule ?? data.judge}: ${data.reason}` };
  }
  if (e.type === 'GuardBreached') {
    const ev = data['evidence'];
    return { what: e.from ?? 'guard', outcome: e.to ?? '', evidence: isMeasurement(ev) ? evidence(ev) : '', rule: e.reason };
  }
  const what = text('item') ?? text('metric') ?? text('source') ?? '';
  const comment = text('comment');
  return { what, outcome: `${e.from === undefined ? '' : `${e.from} → `}${e.to ?? ''}`, evidence: comment === undefined ? '' : `“${comment}”`, rule: e.reason };
}

function DecisionRow({ e }: { readonly e: ReleaseEvent }) {
  const d = describe(e);
  return (
    <tr data-seq={e.seq} data-type={e.type}>
      <td data-label="When" class="num" title={when(e.at)}>
        {clock(e.at)}
      </td>
      <td data-label="Decision">
        <strong>{e.type}</strong>
        {d.what !== '' && <div class="small muted">{d.what}</div>}
      </td>
      <td data-label="Outcome">
        <span class={`outcome outcome-${d.outcome.replace(/[^a-z-]/g, '')}`}>{d.outcome}</span>
      </td>
      <td data-label="Evidence" class="small">
        {d.evidence}
      </td>
      <td data-label="Rule / why" class="small">
        {d.rule}
      </td>
      <td data-label="Who">{e.actor}</td>
    </tr>
  );
}

/** The decision log, newest first, a page at a time: every verdict with its evidence. */
export function DecisionLog({ decisions }: { readonly decisions: readonly ReleaseEvent[] }) {
  const [shown, setShown] = useState(PAGE);
  if (decisions.length === 0) return <p class="muted">No decisions yet: measurements, approvals and checklist changes appear here.</p>;
  const rows = decisions.slice(Math.max(0, decisions.length - shown)).reverse();
  return (
    <>
      <div class="table-scroll">
        <table class="table decisions" data-decisions={decisions.length}>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Decision</th>
              <th scope="col">Outcome</th>
              <th scope="col">Evidence</th>
              <th scope="col">Rule / why</th>
              <th scope="col">Who</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <DecisionRow key={e.seq} e={e} />
            ))}
          </tbody>
        </table>
      </div>
      {rows.length < decisions.length && (
        <button type="button" class="button button-small show-all" onClick={() => setShown((n) => n + PAGE)}>
          Show {Math.min(PAGE, decisions.length - rows.length)} older decisions ({decisions.length - rows.length} not shown)
        </button>
      )}
    </>
  );
}
