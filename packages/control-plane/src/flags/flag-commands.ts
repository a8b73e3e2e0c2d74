import {
  ErrorCode,
  environmentOf,
  isSluiceError,
  OFF_ENVIRONMENT,
  prerequisiteProblems,
  SluiceError,
  validateFlagSpec,
  type Flag,
  type FlagChange,
  type FlagEnvironmentSpec,
  type FlagSpec,
} from '@sluice/domain';
import { resourceChangedEvent } from '../events/resource-events.js';
import type { Store } from '../store/store.js';
import type { FlagHub } from './flag-hub.js';

/** What every flag write needs. */
export interface FlagWriteContext {
  readonly store: Store;
  readonly hub?: FlagHub | undefined;
}

/** A change to one environment's settings, as the API, the CLI and a rollout's setFlag step make it. */
export interface EnvironmentPatch {
  readonly enabled?: boolean;
  /** The default rollout: percent of users no override or rule matched. */
  readonly rollout?: number;
  /** Variant name → percent (sum 100) for this environment. */
  readonly variantWeights?: Readonly<Record<string, number>>;
}

/** What a person's flag command records in the audit log: the command and the request's client address. */
export interface FlagAudit {
  /** "environment", "kill" or "restore". */
  readonly command: string;
  readonly source?: string | undefined;
  /** The environment changed; before/after then show only its settings. */
  readonly environment?: string | undefined;
}

/** The flag's state as the audit log shows a change of it: one environment's settings, or all of them. */
function auditState(spec: FlagSpec, environment: string | undefined): unknown {
  return environment === undefined ? spec.environments : environmentOf(spec, environment);
}

export function flagNotFound(name: string): SluiceError {
  return new SluiceError(ErrorCode.NOT_FOUND, `Flag "${name}" does not exist`, { details: { flag: name }, problems: [{ message: 'no such flag', expected: 'the name of a flag (sluice get flags)' }] });
}

export function patchEnvironment(spec: FlagSpec, environment: string, patch: EnvironmentPatch): FlagSpec {
  const current: FlagEnvironmentSpec = environmentOf(spec, environment);
  const next: FlagEnvironmentSpec = {
    ...current,
    ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
    ...(patch.rollout !== undefined ? { default: { ...current.default, rollout: patch.rollout } } : {}),
    ...(patch.variantWeights !== undefined ? { variantWeights: { ...patch.variantWeights } } : {}),
  };
  return { ...spec, environments: { ...spec.environments, [environment]: next } };
}

/** Every environment off: the kill switch. Environments not listed stay off. */
export function killSpec(spec: FlagSpec): FlagSpec {
  const environments: Record<string, FlagEnvironmentSpec> = {};
  for (const [name, env] of Object.entries(spec.environments)) environments[name] = { ...env, enabled: false };
  return { ...spec, environments };
}

/** Sets one environment back to exactly `settings` (undefined = not listed, i.e. off): a rollback restores this. */
export function restoreEnvironment(spec: FlagSpec, environment: string, settings: FlagEnvironmentSpec | undefined): FlagSpec {
  const environments = { ...spec.environments };
  if (settings === undefined || settings === OFF_ENVIRONMENT) delete environments[environment];
  else environments[environment] = settings;
  return { ...spec, environments };
}

async function checkedSpec(store: Store, name: string, spec: FlagSpec): Promise<void> {
  const own = validateFlagSpec(name, spec);
  const specs = new Map((await store.flags.list()).map((f) => [f.name, f.spec] as const));
  specs.set(name, spec);
  const refs = prerequisiteProblems(specs).filter((p) => p.flag === name).map((p) => p.problem);
  const problems = [...own, ...refs].map((p) => ({ path: `$.${p.path.slice(1).join('.')}`, message: p.message, expected: p.expected }));
  if (problems.length > 0) throw new SluiceError(ErrorCode.INVALID_REQUEST, `The change would make flag "${name}" invalid`, { problems });
}

/**
 * Reads the flag, applies `edit`, validates and saves it as a new version with `change`, retrying on a
 * concurrent write (the edit runs again on the newer version). An edit that changes nothing saves
 * nothing and returns the flag as it is. Subscribers hear of the change before this resolves.
 */
export async function updateFlag(ctx: FlagWriteContext, name: string, change: FlagChange, edit: (spec: FlagSpec) => FlagSpec, audit?: FlagAudit): Promise<Flag> {
  for (let attempt = 0; ; attempt++) {
    const flag = await ctx.store.flags.get(name);
    if (flag === undefined) throw flagNotFound(name);
    const spec = edit(flag.spec);
    if (JSON.stringify(spec) === JSON.stringify(flag.spec)) return flag;
    await checkedSpec(ctx.store, name, spec);
    try {
      const next = { ...flag, spec, updatedAt: change.at };
      const saved = audit === undefined ? await ctx.store.flags.save(next, flag.version, change) : await saveAudited(ctx.store, { flag, next, change, audit });
      await ctx.hub?.notify();
      return saved;
    } catch (error) {
      if (!(isSluiceError(error) && error.code === ErrorCode.VERSION_CONFLICT) || attempt >= 5) throw error;
    }
  }
}

/** Saves a person's flag change with its ResourceChanged event, in one transaction. */
async function saveAudited(store: Store, write: { flag: Flag; next: Flag; change: FlagChange; audit: FlagAudit }): Promise<Flag> {
  const { flag, next, change, audit } = write;
  const env = audit.environment;
  const event = resourceChangedEvent({
    kind: 'Flag',
    name: flag.name,
    before: auditState(flag.spec, env),
    after: auditState(next.spec, env),
    to: audit.command,
    reason: `Flag ${flag.name}${env === undefined ? '' : ` (${env})`} ${audit.command} by ${change.actor}: ${change.reason}`,
    data: { version: flag.version + 1, ...(env === undefined ? {} : { environment: env }) },
  }, { actor: change.actor, at: change.at, source: audit.source });
  return store.transaction(async (tx) => {
    const saved = await tx.flags.save(next, flag.version, change);
    await tx.events.append(event);
    return saved;
  });
}

/** Makes version `version` of the flag current again, as a new version (history is never rewritten). */
export async function restoreFlag(ctx: FlagWriteContext, name: string, version: number, change: FlagChange, audit?: FlagAudit): Promise<Flag> {
  const revision = await ctx.store.flags.revision(name, version);
  if (revision === undefined) {
    if ((await ctx.store.flags.get(name)) === undefined) throw flagNotFound(name);
    throw new SluiceError(ErrorCode.NOT_FOUND, `Flag "${name}" has no version ${version}`, { details: { flag: name, version }, problems: [{ path: '$.version', message: `no version ${version}`, expected: 'a version listed by sluice flag history' }] });
  }
  return updateFlag(ctx, name, change, () => revision.spec, audit);
}
