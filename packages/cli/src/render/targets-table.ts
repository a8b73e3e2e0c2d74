import { renderTable } from './table.js';

/** A Target as GET /api/v1/targets returns it (see control-plane/src/waves/target-routes.ts). */
export interface TargetView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly dataPlane: string;
  readonly services: Readonly<
    Record<
      string,
      {
        readonly listen: string;
        readonly observed?: { readonly address?: string; readonly stable: string; readonly canary?: string; readonly weight: number };
        readonly rollout?: { readonly name: string; readonly progress?: { readonly wave: number; readonly weight: number; readonly phase: string } };
      }
    >
  >;
}

/** "shop 127.0.0.1:8081 v1 90% / v2 10% (shop-v2 wave 1 Progressing)": what one target serves for one service. */
function serviceLine(service: string, view: TargetView['services'][string]): string {
  const o = view.observed;
  const split = o === undefined ? 'not serving yet' : o.canary === undefined || o.weight === 0 ? `${o.stable} 100%` : `${o.stable} ${100 - o.weight}% / ${o.canary} ${o.weight}%`;
  const progress = view.rollout?.progress;
  const rollout = view.rollout === undefined ? '' : progress === undefined ? ` (${view.rollout.name})` : ` (${view.rollout.name} wave ${progress.wave + 1} ${progress.phase})`;
  return `${service} ${o?.address ?? view.listen} ${split}${rollout}`;
}

/** NAME, LABELS, DATA PLANE, SERVES (per service: address, live split, the active rollout's progress there). */
export function targetsTable(targets: readonly TargetView[]): string[] {
  const rows = targets.map((t) => [
    t.name,
    Object.entries(t.labels).map(([k, v]) => `${k}=${v}`).join(',') || '-',
    t.dataPlane,
    Object.entries(t.services).map(([s, v]) => serviceLine(s, v)).join('; ') || '-',
  ]);
  return renderTable(['NAME', 'LABELS', 'DATA PLANE', 'SERVES'], rows);
}
