import type { ExperimentView } from '@sluice/cli/api-types';
import type { ApiClient } from '../api/client';

/** The Experiments page's calls, on the calls shared with the CLI (ApiCalls). */

export function listExperiments(api: ApiClient): Promise<readonly ExperimentView[]> {
  return api.listExperiments();
}

export function getExperiment(api: ApiClient, name: string): Promise<ExperimentView> {
  return api.getExperiment(name);
}

/** Ends the experiment without promoting: it counts no more events; its result so far is recorded. */
export function stopExperiment(api: ApiClient, name: string, reason: string): Promise<ExperimentView> {
  return api.stopExperiment(name, reason === '' ? undefined : reason);
}

/** Promotes the winner, or `variant` (which must be the winner unless `force`). */
export function promoteExperiment(api: ApiClient, name: string, choice: { readonly variant?: string; readonly force?: boolean }): Promise<ExperimentView> {
  return api.promoteExperiment(name, choice);
}

export type { ExperimentView };
