import { EventType, type MeasurementRecord, type ReleaseEvent, type SideSummary } from '@sluice/domain';
import { renderTable } from './table.js';
import { formatClock } from './time.js';

const HEADERS = [
  'TIME',
  'STEP',
  'SOURCE',
  'METRIC',
  'WINDOW',
  'CANARY v/n/err',
  'STABLE v/n/err',
  'STATISTIC',
  'P/INTERVAL',
  'THRESHOLD',
  'RESULT',
  'RULE',
  'REASON',
];

/** Judges that measure everything since the analysis started (the sequential tests). */
const CUMULATIVE_JUDGES: ReadonlySet<string> = new Set(['errorRate', 'latency']);

/** What the SOURCE column says for the events that are not measurements. */
const SOURCE_OF: Readonly<Partial<Record<string, string>>> = {
  [EventType.AnalysisDecided]: 'analysis',
  [EventType.ChecklistItemChanged]: 'checklist',
  [EventType.ApprovalRecorded]: 'approval',
  [EventType.LoadFinished]: 'load',
};

/** Short and exact enough to read: integers as they are, others to 3 significant digits ("0.0123", "1.5e-7"). */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x) || Number.isInteger(x)) return String(x);
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  return String(Number(x.toPrecision(3)));
}

/** "850ms", "60s", "5m", "90s". */
export function formatSpan(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = ms / 1000;
  if (seconds >= 120 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${formatNumber(seconds)}s`;
}

/** A fixed window as its length; a cumulative one (sequential judges) as where it starts: "since 12:00:03". */
export function windowText(record: Pick<MeasurementRecord, 'judge' | 'window'>): string {
  const { fromMs, toMs } = record.window;
  return CUMULATIVE_JUDGES.has(record.judge) ? `since ${formatClock(fromMs)}` : formatSpan(toMs - fromMs);
}

/** "value/n/errors" of one side; "-" for an unknown value; errors left out when not counted. */
export function sideText(side: SideSummary | undefined): string {
  if (side === undefined) return '-';
  const value = side.value === undefined ? '-' : formatNumber(side.value);
  return [value, String(side.n), ...(side.errors === undefined ? [] : [String(side.errors)])].join('/');
}

function evidenceText(record: Partial<MeasurementRecord>): string {
  const parts = [
    ...(record.pValue === undefined ? [] : [`p=${formatNumber(record.pValue)}`]),
    ...(record.interval === undefined ? [] : [`[${record.interval.map(formatNumber).join(', ')}]`]),
  ];
  return parts.join(' ') || '-';
}

const orDash = (value: number | string | undefined) => (value === undefined ? '-' : typeof value === 'number' ? formatNumber(value) : value);

function measurementCells(event: ReleaseEvent): string[] {
  const record = (event.data ?? {}) as Partial<MeasurementRecord>;
  return [
    formatClock(event.at),
    typeof record.step === 'number' ? String(record.step + 1) : '-',
    orDash(record.source),
    orDash(record.metric),
    record.window && typeof record.judge === 'string' ? windowText({ judge: record.judge, window: record.window }) : '-',
    sideText(record.canary),
    sideText(record.stable),
    orDash(record.statistic),
    evidenceText(record),
    orDash(record.threshold),
    orDash(record.result),
    orDash(record.rule),
    record.reason ?? event.reason,
  ];
}

/** Checklist changes, approvals, analysis decisions and load runs: what, where, the outcome and the reason. */
function otherCells(event: ReleaseEvent): string[] {
  const data = event.data ?? {};
  const step = data['step'];
  const source = event.type === EventType.AnalysisDecided && typeof data['source'] === 'string' ? data['source'] : SOURCE_OF[event.type];
  const item = data['item'];
  const rest = ['-', '-', '-', '-', '-', '-'];
  return [
    formatClock(event.at),
    typeof step === 'number' ? String(step + 1) : '-',
    source ?? event.type,
    typeof item === 'string' ? item : '-',
    ...rest,
    event.to ?? '-',
    '-',
    event.reason,
  ];
}

/** The decision log as `explain` prints it: one row per event, oldest first, the reason last. */
export function decisionTable(events: readonly ReleaseEvent[]): string[] {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const rows = sorted.map((e) => (e.type === EventType.AnalysisMeasured ? measurementCells(e) : otherCells(e)));
  return renderTable(HEADERS, rows);
}
