import { describeConditions } from '@sluice/domain';
import type { AnalysisTemplateView, RolloutView, SegmentView, ServiceView } from '../api-types.js';
import { stepFraction } from './status-view.js';
import { renderTable } from './table.js';
import { formatAge } from './time.js';
import { formatPercent } from './weight-bar.js';

/** "v1 80% / v2 20%" from what the data plane reports; "v1 100%" with no canary; "-" when unobserved. */
export function trafficText(service: ServiceView): string {
  const traffic = service.traffic;
  if (!traffic) return '-';
  if (traffic.canary === undefined || traffic.canary === traffic.stable) return `${traffic.stable} 100%`;
  const canary = traffic.weight;
  return `${traffic.stable} ${formatPercent(100 - canary)} / ${traffic.canary} ${formatPercent(canary)}`;
}

export function servicesTable(services: readonly ServiceView[]): string[] {
  const rows = services.map((s) => [
    s.name,
    s.traffic?.address ?? s.spec.listen,
    s.spec.hosts === undefined || s.spec.hosts.length === 0 ? '*' : s.spec.hosts.join(','),
    s.status.stable,
    Object.keys(s.spec.versions).join(','),
    s.activeRollout ?? '-',
    trafficText(s),
  ]);
  return renderTable(['NAME', 'LISTEN', 'HOSTS', 'STABLE', 'VERSIONS', 'ROLLOUT', 'TRAFFIC'], rows);
}

export function rolloutsTable(rollouts: readonly RolloutView[], now: number): string[] {
  const rows = rollouts.map((r) => [
    r.name,
    r.spec.service,
    r.spec.target,
    r.status.phase,
    stepFraction(r),
    formatPercent(r.status.canaryWeight),
    formatAge(now - r.status.createdAt),
  ]);
  return renderTable(['NAME', 'SERVICE', 'TARGET', 'PHASE', 'STEP', 'WEIGHT', 'AGE'], rows);
}

/** NAME, MATCH (the conditions as a sentence), USED BY (services and rollouts it steers now). */
export function segmentsTable(segments: readonly SegmentView[]): string[] {
  const rows = segments.map((s) => {
    const users = [...s.usedBy.services.map((n) => `service/${n}`), ...s.usedBy.rollouts.map((n) => `rollout/${n}`)];
    return [s.name, describeConditions(s.spec.match), users.join(',') || '-'];
  });
  return renderTable(['NAME', 'MATCH', 'USED BY'], rows);
}

/** NAME, METRICS (each with its judge and provider), ARGS (defaults after "="), USED BY (active rollouts). */
export function analysisTemplatesTable(templates: readonly AnalysisTemplateView[]): string[] {
  const rows = templates.map((t) => [
    t.name,
    t.spec.metrics.map((m) => `${m.name} (${m.judge.kind}, ${m.provider.kind})`).join(', ') || '-',
    t.spec.args.map((a) => (a.value === undefined ? a.name : `${a.name}=${a.value}`)).join(',') || '-',
    t.usedBy.rollouts.map((n) => `rollout/${n}`).join(',') || '-',
  ]);
  return renderTable(['NAME', 'METRICS', 'ARGS', 'USED BY'], rows);
}
