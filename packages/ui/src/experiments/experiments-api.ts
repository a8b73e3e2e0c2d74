import type { ExperimentView, ItemList } from '@sluice/cli/api-types';
import type { ApiClient } from '../api/client';

/** The experiment calls of docs/api.md, on top of `api.request`. */

const path = (name: string) => `/experiments/${encodeURIComponent(name)}`;

export async function listExperiments(api: ApiClient): Promise<readonly ExperimentView[]> {
  return (await api.request<ItemList<ExperimentView>>('GET', '/experiments')).items;
}

export function getExperiment(api: ApiClient, name: string): Promise<ExperimentView> {
  return api.request<ExperimentView>('GET', path(name));
}

/** Ends the experiment without promoting: it counts no more events; its result so far is recorded. */
export function stopExperiment(api: ApiClient, name: string, reason: string): Promise<ExperimentView> {
  return api.request<ExperimentView>('POST', `${path(name)}/stop`, reason === '' ? {} : { reason });
}

/** Promotes the winner, or `variant` (which must be the winner unless `force`). */
export function promoteExperiment(api: ApiClient, name: string, choice: { readonly variant?: string; readonly force?: boolean }): Promise<ExperimentView> {
  return api.request<ExperimentView>('POST', `${path(name)}/promote`, choice);
}

export type { ExperimentView };
