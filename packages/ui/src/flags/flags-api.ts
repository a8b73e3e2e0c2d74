import type { ApplyResponse, StaleFlagReport } from '@sluice/cli/api-types';
import type { ApiClient } from '../api/client';

/** The flag calls of the editor and the stale tab, on the calls shared with the CLI (ApiCalls). */

/** POST /apply of one YAML file: `dryRun` validates it and stores nothing. Problems come back with the file's line:col. */
export function applyFlagYaml(api: ApiClient, file: { readonly name: string; readonly text: string }, dryRun: boolean): Promise<ApplyResponse> {
  return api.applyFiles([file], dryRun);
}

/** GET /flags/stale: flags fully on or off past their kind's lifetime, or not evaluated for `unusedDays`. */
export function staleFlags(api: ApiClient, unusedDays: number): Promise<StaleFlagReport> {
  return api.staleFlags(unusedDays);
}

/** The API's rollout resolution: a percent from 0 to 100 in steps of 0.01 (docs/flags.md). */
export const ROLLOUT_STEP = 0.01;

/** The rollout typed in the field, or why it cannot be saved. */
export function parseRollout(raw: string): { readonly value: number } | { readonly error: string } {
  const text = raw.trim().replace(',', '.');
  if (text === '') return { error: 'Enter a percent from 0 to 100' };
  if (!/^\d+(\.\d+)?$/.test(text)) return { error: 'Not a number: enter a percent from 0 to 100' };
  const value = Number(text);
  if (value > 100) return { error: 'At most 100 %' };
  const decimals = text.split('.')[1]?.length ?? 0;
  if (decimals > 2) return { error: 'Too precise: rollouts go in steps of 0.01 %' };
  return { value };
}
