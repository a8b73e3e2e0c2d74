/**
 * The stale-flag report: flags that have done their job. A flag is a candidate for removal when it
 * is fully on or fully off and has not changed for longer than its kind's expected lifetime, or when
 * no SDK has evaluated it for `unusedDays`. Each finding says what to do with the code.
 */
import { EXPECTED_LIFETIME_DAYS, type Flag, type FlagUsage } from './flag-resource.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export type StaleReason = 'fully-on' | 'fully-off' | 'unused';

export interface StaleFlag {
  readonly flag: string;
  readonly kind: Flag['spec']['kind'];
  readonly reasons: readonly StaleReason[];
  /** Whole days since the flag last changed. */
  readonly unchangedDays: number;
  readonly expectedLifetimeDays?: number;
  /** Newest evaluation in any environment; absent when none was ever counted. */
  readonly lastEvaluatedAt?: number;
  readonly hint: string;
}

export interface StaleOptions {
  /** Flags not evaluated for this many days are reported (default 30). */
  readonly unusedDays?: number;
}

/** On everywhere it is listed, for everyone: enabled, default rollout 100 %, nobody kept out. */
function fullyOn(flag: Flag): boolean {
  const envs = Object.values(flag.spec.environments);
  return envs.length > 0 && envs.every((e) => e.enabled && e.default.rollout >= 100 && e.overrides.every((o) => o.enabled));
}

/** Serves nobody anywhere: every environment off, or on with no rule, override or rollout. */
function fullyOff(flag: Flag): boolean {
  return Object.values(flag.spec.environments).every((e) => !e.enabled || (e.default.rollout <= 0 && e.rules.length === 0 && e.overrides.every((o) => !o.enabled)));
}

function hintFor(name: string, reasons: readonly StaleReason[]): string {
  if (reasons.includes('fully-on')) return `Fully rolled out: keep the code path for "${name}" on, delete the old path and every check of the flag, then delete the flag.`;
  if (reasons.includes('fully-off')) return `Off for everyone: delete the code behind "${name}" and the checks of the flag, then delete the flag.`;
  return `No SDK evaluated "${name}" recently: the code may no longer check it; search the code base for "${name}", remove what is left, then delete the flag.`;
}

export function staleFlags(flags: readonly Flag[], usage: readonly FlagUsage[], now: number, options: StaleOptions = {}): StaleFlag[] {
  const unusedDays = options.unusedDays ?? 30;
  const lastEvaluated = new Map<string, number>();
  for (const u of usage) lastEvaluated.set(u.flag, Math.max(lastEvaluated.get(u.flag) ?? 0, u.lastEvaluatedAt));
  const out: StaleFlag[] = [];
  for (const flag of flags) {
    const unchangedDays = Math.floor((now - flag.updatedAt) / DAY_MS);
    const lifetime = EXPECTED_LIFETIME_DAYS[flag.spec.kind];
    const reasons: StaleReason[] = [];
    if (lifetime !== undefined && unchangedDays >= lifetime) {
      if (fullyOn(flag)) reasons.push('fully-on');
      else if (fullyOff(flag)) reasons.push('fully-off');
    }
    const last = lastEvaluated.get(flag.name);
    if (now - (last ?? flag.createdAt) >= unusedDays * DAY_MS) reasons.push('unused');
    if (reasons.length === 0) continue;
    out.push({
      flag: flag.name,
      kind: flag.spec.kind,
      reasons,
      unchangedDays,
      ...(lifetime !== undefined ? { expectedLifetimeDays: lifetime } : {}),
      ...(last !== undefined ? { lastEvaluatedAt: last } : {}),
      hint: hintFor(flag.name, reasons),
    });
  }
  return out;
}
