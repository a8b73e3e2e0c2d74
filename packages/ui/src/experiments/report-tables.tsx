import type { ExperimentReport, ExperimentRow } from '@sluice/domain';
import type { ExperimentView } from './experiments-api';
import { count, DASH, diff, interval, num, pct, pValue, value } from './format';

function serves(view: ExperimentView, variant: string): string {
  const s = view.spec.variants.find((v) => v.name === variant)?.serves;
  if (s === undefined) return DASH;
  return 'version' in s ? `version ${s.version}` : `${s.flag}: ${s.variation}`;
}

/** Per variant: weight, bucket range, users against what the weights expect, and the samples still needed. */
export function VariantTable({ view }: { readonly view: ExperimentView }) {
  const range = (variant: string) => view.allocation.find((a) => a.variant === variant);
  return (
    <table class="table report-table variant-table">
      <thead>
        <tr>
          {['Variant', 'Serves', 'Weight', 'Buckets', 'Users', 'Expected', 'Samples', 'Required', 'More needed'].map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {view.report.variants.map((v) => {
          const r = range(v.name);
          return (
            <tr key={v.name} data-variant={v.name}>
              <th scope="row" data-label="Variant">
                {v.name} {v.isControl && <span class="kind">control</span>}
              </th>
              <td data-label="Serves">{serves(view, v.name)}</td>
              <td data-label="Weight" class="num">{v.weight}%</td>
              <td data-label="Buckets" class="num">{r === undefined ? DASH : `${r.from}–${r.to - 1}`}</td>
              <td data-label="Users" class="num">{count(v.exposures)}</td>
              <td data-label="Expected" class="num">{count(v.expectedExposures)}</td>
              <td data-label="Samples" class="num">{count(v.samples)}</td>
              <td data-label="Required" class="num">{v.requiredSamples === null ? DASH : count(v.requiredSamples)}</td>
              <td data-label="More needed" class="num">{v.moreSamplesNeeded === null ? DASH : count(v.moreSamplesNeeded)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The sample-ratio check: χ² of the users against the weights; a mismatch makes any comparison untrustworthy. */
export function SrmCheck({ srm }: { readonly srm: ExperimentReport['srm'] }) {
  return (
    <p class={`srm ${srm.flagged ? 'srm-flagged' : 'srm-ok'}`} data-flagged={srm.flagged}>
      <strong>{srm.flagged ? `Sample ratio mismatch (p < ${srm.threshold})` : 'Sample ratio: ok'}</strong>{' '}
      <span class="num">
        χ² = {num(srm.chi2)}, df = {srm.df}, p = {pValue(srm.p)}
      </span>
      {srm.flagged && <span> — the users per variant do not match the weights: assignment or logging is broken, so no difference below can be trusted.</span>}
    </p>
  );
}

const VERDICT_CLASS: Readonly<Record<string, string>> = { better: 'verdict-good', ok: 'verdict-good', equivalent: 'verdict-neutral', unclear: 'verdict-neutral', worse: 'verdict-bad', breached: 'verdict-bad' };

function MetricRow({ row }: { readonly row: ExperimentRow }) {
  const lift = (x: number | null) => pct(x, 1, true);
  return (
    <tr data-variant={row.variant}>
      <th scope="row" data-label="Variant">
        {row.variant}
      </th>
      <td data-label="N" class="num">{count(row.n)}</td>
      <td data-label="Value" class="num">{value(row)}</td>
      <td data-label="Difference" class="num">{row.isControl ? DASH : diff(row, row.diff)}</td>
      <td data-label="Interval (difference)" class="num">{row.isControl ? DASH : interval(row.ciLow, row.ciHigh, (x) => diff(row, x))}</td>
      <td data-label="Lift" class="num">{row.isControl ? DASH : lift(row.relativeLift)}</td>
      <td data-label="Interval (lift)" class="num">{row.isControl ? DASH : interval(row.relativeCiLow, row.relativeCiHigh, lift)}</td>
      <td data-label="p" class="num">{pValue(row.pValue)}</td>
      <td data-label="p (adjusted)" class="num">{pValue(row.adjustedPValue)}</td>
      <td data-label="Verdict">
        <span class={`verdict ${VERDICT_CLASS[row.verdict ?? ''] ?? ''}`}>{row.isControl ? 'control' : (row.verdict ?? DASH)}</span>
        {row.significant && <span class="muted small"> significant</span>}
      </td>
    </tr>
  );
}

/** One table per metric: every variant's value, its difference and lift against the control with their intervals, p-values and verdict. */
export function MetricTables({ report }: { readonly report: ExperimentReport }) {
  const metrics = [...new Set(report.rows.map((r) => r.metric))];
  return (
    <>
      {metrics.map((metric) => {
        const rows = report.rows.filter((r) => r.metric === metric);
        const first = rows[0];
        return (
          <table key={metric} class="table report-table metric-table" data-metric={metric}>
            <caption>
              <strong>{metric}</strong> <span class="kind">{first?.role}</span> <span class="muted small">{first?.kind === 'conversion' ? 'conversion rate' : 'mean'}</span>
            </caption>
            <thead>
              <tr>
                {['Variant', 'N', 'Value', 'Difference', 'Interval', 'Lift', 'Interval (lift)', 'p', 'p (adj.)', 'Verdict'].map((h) => (
                  <th key={h} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <MetricRow key={row.variant} row={row} />
              ))}
            </tbody>
          </table>
        );
      })}
    </>
  );
}
