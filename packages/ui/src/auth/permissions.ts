/**
 * What the signed-in person may do, from GET /api/v1/whoami: one table of the UI's actions and the
 * role each needs, and the service grants. Pure (no DOM, no fetch), so the rules are unit-tested; the
 * server enforces the same rules, this only keeps buttons from offering what it would refuse.
 */
import type { TokenRole, WhoamiView } from '@sluice/cli/api-calls';

/** The answer of GET /api/v1/whoami and POST /api/v1/session, as the shared client types it. */
export type Whoami = WhoamiView;
export type Role = TokenRole;

/** The token scopes (resource families) of docs/auth.md; a token with no scope has them all. */
export type Scope = 'rollouts' | 'flags' | 'experiments' | 'resources' | 'webhooks' | 'events' | 'metrics' | 'tokens';

interface ActionRule {
  readonly role: Role;
  readonly scope: Scope;
}

/**
 * The UI's actions that change something, with the role and scope the control plane's route table
 * (packages/control-plane/src/auth/permissions.ts) asks of their calls.
 */
export const ACTION_RULES = {
  'rollout.steer': { role: 'operator', scope: 'rollouts' }, // promote, promote fully, pause, resume, approve, reject, abort
  'service.undo': { role: 'operator', scope: 'rollouts' },
  'flag.change': { role: 'operator', scope: 'flags' }, // switch, rollout %, kill switch, restore
  'flag.edit-rules': { role: 'admin', scope: 'resources' }, // the rules editor saves through POST /apply
  'experiment.steer': { role: 'operator', scope: 'experiments' }, // stop, promote
} as const satisfies Readonly<Record<string, ActionRule>>;

export type UiAction = keyof typeof ACTION_RULES;

export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };
const ALLOWED: Verdict = { allowed: true };

export function isRole(value: unknown): value is Role {
  return value === 'viewer' || value === 'operator' || value === 'admin';
}

/** Whether `role` includes everything `need` may do (admin ⊃ operator ⊃ viewer). */
export function roleAtLeast(role: Role, need: Role): boolean {
  return RANK[role] >= RANK[need];
}

/** Whether a glob pattern ("*" any run of characters, "?" one) matches the whole service name. */
export function matchesService(pattern: string, service: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(service);
}

/** Whether any of the grants covers the service. */
export function serviceGranted(services: readonly string[], service: string): boolean {
  return services.some((pattern) => matchesService(pattern, service));
}

const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));

/**
 * May `me` do `action` on `service` (undefined: a change not about one service — a flag, an apply, an
 * experiment of no service)? `me` undefined — auth off, or not yet known — allows everything, as the
 * UI did before logins. Otherwise, as the control plane checks it: the role reaches the action's, the
 * token's scopes (when limited) include the action's, and its grants cover the service — a change
 * about no service needs the grant "*". The reason says what is missing: "needs operator role (you are viewer)".
 */
export function can(me: Whoami | undefined, action: UiAction, service?: string): Verdict {
  if (me === undefined || me.auth === 'off') return ALLOWED;
  const rule: ActionRule = ACTION_RULES[action];
  if (!roleAtLeast(me.role, rule.role)) return { allowed: false, reason: `needs ${rule.role} role (you are ${me.role})` };
  if (me.scopes.length > 0 && !me.scopes.includes(rule.scope)) return { allowed: false, reason: `needs scope ${rule.scope} (yours: ${list(me.scopes)})` };
  if (me.services.includes('*')) return ALLOWED;
  if (service === undefined) return { allowed: false, reason: `needs a grant for all services, * (yours: ${list(me.services)})` };
  if (!serviceGranted(me.services, service)) return { allowed: false, reason: `needs a grant for service ${service} (yours: ${list(me.services)})` };
  return ALLOWED;
}

/** Reads a whoami answer defensively: anything malformed is undefined (the caller treats it as an error). */
export function parseWhoami(value: unknown): Whoami | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const strings = (x: unknown): readonly string[] | undefined => (Array.isArray(x) && x.every((s) => typeof s === 'string') ? (x as string[]) : undefined);
  if (v['auth'] === 'off') return { auth: 'off', name: typeof v['name'] === 'string' ? v['name'] : '', role: 'admin', services: ['*'], scopes: [], expiresAt: null };
  if (v['auth'] !== 'on' || typeof v['name'] !== 'string' || !isRole(v['role'])) return undefined;
  const services = strings(v['services']);
  const scopes = strings(v['scopes']) ?? [];
  const expiresAt = typeof v['expiresAt'] === 'number' ? v['expiresAt'] : null;
  if (services === undefined) return undefined;
  return { auth: 'on', name: v['name'], role: v['role'], services, scopes, expiresAt };
}
