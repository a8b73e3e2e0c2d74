import { renderTable } from './table.js';

/** A Webhook as GET /api/v1/webhooks returns it (control-plane/src/notifications/webhook-routes.ts). */
export interface WebhookView {
  readonly name: string;
  readonly spec: { readonly url: string; readonly events: readonly string[]; readonly services?: readonly string[]; readonly format: string; readonly secretFrom: { readonly env: string } };
  /** Whether the secret's environment variable is set on the server (never its value). */
  readonly secretSet: boolean;
  readonly deadLetters: number;
}

/** A remote data plane's last report, as GET /api/v1/data-planes returns it (control-plane/src/ha/ha-routes.ts). */
export interface DataPlaneView {
  readonly id: string;
  readonly generation: number;
  readonly services: Readonly<Record<string, { readonly stable: string; readonly canary?: string; readonly weight: number; readonly generation: number; readonly address?: string }>>;
  readonly ageMs: number;
  readonly connected: boolean;
}

/** NAME, URL, EVENTS, SERVICES, FORMAT, SECRET (set or missing, by variable name), DEAD LETTERS. */
export function webhooksTable(webhooks: readonly WebhookView[]): string[] {
  const rows = webhooks.map((w) => [
    w.name,
    w.spec.url,
    w.spec.events.join(','),
    w.spec.services === undefined || w.spec.services.length === 0 ? '*' : w.spec.services.join(','),
    w.spec.format,
    `${w.spec.secretFrom.env} (${w.secretSet ? 'set' : 'MISSING'})`,
    `${w.deadLetters}`,
  ]);
  return renderTable(['NAME', 'URL', 'EVENTS', 'SERVICES', 'FORMAT', 'SECRET', 'DEAD LETTERS'], rows);
}

/** ID, STATE (connected or silent for how long), GENERATION, SERVES (per service: address and split). */
export function dataPlanesTable(planes: readonly DataPlaneView[]): string[] {
  const rows = planes.map((p) => [
    p.id,
    p.connected ? 'connected' : `silent ${Math.round(p.ageMs / 1000)}s`,
    `${p.generation}`,
    Object.entries(p.services)
      .map(([service, s]) => `${service} ${s.address ?? '-'} ${s.canary === undefined || s.weight === 0 ? `${s.stable} 100%` : `${s.stable} ${100 - s.weight}% / ${s.canary} ${s.weight}%`}`)
      .join('; ') || '-',
  ]);
  return renderTable(['ID', 'STATE', 'GENERATION', 'SERVES'], rows);
}
