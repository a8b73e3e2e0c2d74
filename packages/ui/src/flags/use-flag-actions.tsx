import { useState } from 'preact/hooks';
import { toApiError } from '../api/api-error';
import type { FlagView } from '../api/client';
import { useApi } from '../app/api-context';
import { useNotify } from '../app/notices';
import { percent } from './format';

export interface FlagActions {
  /** Keys of the actions running now: `toggle:FLAG:ENV`, `kill:FLAG`, `restore:FLAG`, `rollout:FLAG:ENV`. */
  readonly pending: ReadonlySet<string>;
  toggle(flag: FlagView, environment: string): Promise<void>;
  /** Resolves true when the flag is off everywhere; false (after showing the error) otherwise. */
  kill(flag: FlagView, reason: string): Promise<boolean>;
  restore(flag: FlagView, version: number): Promise<boolean>;
  /** The default rollout of one environment (key `rollout:FLAG:ENV`); resolves true when saved. */
  setRollout(flag: FlagView, environment: string, rollout: number): Promise<boolean>;
}

/**
 * The flag commands of the release center. Each reports its outcome (the API's error included, with
 * its code and problems) and hands the flag the API answered to `changed`, so the page shows the new
 * state at once, before the stream's event arrives.
 */
export function useFlagActions(changed: (flag: FlagView) => void): FlagActions {
  const api = useApi();
  const notify = useNotify();
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const track = async (key: string, failure: string, action: () => Promise<FlagView>): Promise<FlagView | undefined> => {
    setPending((p) => new Set([...p, key]));
    try {
      const flag = await action();
      changed(flag);
      return flag;
    } catch (error) {
      notify.error(failure, toApiError(error));
      return undefined;
    } finally {
      setPending((p) => new Set([...p].filter((k) => k !== key)));
    }
  };
  return {
    pending,
    toggle: async (flag, environment) => {
      const enabled = !(flag.environments[environment]?.enabled ?? false);
      const state = enabled ? 'on' : 'off';
      const saved = await track(`toggle:${flag.name}:${environment}`, `Could not turn ${flag.name} ${state} in ${environment}`, () =>
        api.changeFlag(flag.name, environment, { enabled }),
      );
      if (saved !== undefined) notify.ok(`${flag.name} is ${state} in ${environment}`, `Version ${saved.version}.`);
    },
    kill: async (flag, reason) => {
      const saved = await track(`kill:${flag.name}`, `Kill switch failed: ${flag.name} may still be on`, () =>
        api.killFlag(flag.name, reason.trim() === '' ? undefined : reason.trim()),
      );
      if (saved === undefined) return false;
      notify.ok(
        `${flag.name} is off in every environment`,
        <>
          Version {saved.version}. Connected SDKs have it within about a second. Restore with{' '}
          <code>sluice flag restore {flag.name} {flag.version}</code> or from the flag's history.
        </>,
      );
      return true;
    },
    restore: async (flag, version) => {
      const saved = await track(`restore:${flag.name}`, `Could not restore version ${version} of ${flag.name}`, () => api.restoreFlag(flag.name, version));
      if (saved !== undefined) notify.ok(`${flag.name}: version ${version} restored`, `Its settings are current again as version ${saved.version}.`);
      return saved !== undefined;
    },
    setRollout: async (flag, environment, rollout) => {
      const saved = await track(`rollout:${flag.name}:${environment}`, `Could not set the rollout of ${flag.name} in ${environment}`, () =>
        api.changeFlag(flag.name, environment, { rollout }),
      );
      if (saved !== undefined) notify.ok(`${flag.name} rolls out to ${percent(rollout)} in ${environment}`, `Version ${saved.version}.`);
      return saved !== undefined;
    },
  };
}
