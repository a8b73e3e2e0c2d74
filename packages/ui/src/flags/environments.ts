import type { FlagView } from '../api/client';

/** The environments every installation has (STANDARD_ENVIRONMENTS in @sluice/domain), in their usual order. */
export const STANDARD_ENVIRONMENTS: readonly string[] = ['development', 'staging', 'production'];

export const DEFAULT_ENVIRONMENT = 'production';

/** The standard environments, then any other environment a flag lists, by name. */
export function environmentsOf(flags: readonly FlagView[]): readonly string[] {
  const extra = new Set<string>();
  for (const flag of flags) for (const env of Object.keys(flag.environments)) if (!STANDARD_ENVIRONMENTS.includes(env)) extra.add(env);
  return [...STANDARD_ENVIRONMENTS, ...[...extra].sort()];
}

/** The flag's settings at a glance in `environment`; an environment the flag does not list is off. */
export function environmentState(flag: FlagView, environment: string): { readonly enabled: boolean; readonly rollout: number; readonly rules: number; readonly overrides: number } {
  return flag.environments[environment] ?? { enabled: false, rollout: 0, rules: 0, overrides: 0 };
}

/** The environments where the flag is on now. */
export function onEnvironments(flag: FlagView): readonly string[] {
  return Object.entries(flag.environments)
    .filter(([, env]) => env.enabled)
    .map(([name]) => name);
}
