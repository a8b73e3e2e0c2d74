import type { RolloutView, ServiceView } from '@sluice/cli/api-types';
import type { Phase } from '@sluice/domain';
import type { ApiClient } from '../api/client';

export type { RolloutView };

/** A ServiceView as GET /services sends it, with `problem` (docs/api.md: what keeps it from converging). */
export type ServiceState = ServiceView;

/** Every phase, in the order a rollout goes through them. */
export const PHASES: readonly Phase[] = ['Pending', 'Progressing', 'Paused', 'Promoting', 'Succeeded', 'Aborting', 'Aborted', 'Failed'];
const TERMINAL: ReadonlySet<string> = new Set(['Succeeded', 'Aborted', 'Failed']);

/** A rollout is active until it has Succeeded, was Aborted or Failed. */
export function isActive(rollout: RolloutView): boolean {
  return !TERMINAL.has(rollout.status.phase);
}

/** One service on the releases page: its state, its rollout in progress, and its latest finished one. */
export interface Release {
  readonly service: ServiceState;
  readonly active?: RolloutView;
  readonly last?: RolloutView;
}

export interface ReleasesData {
  readonly services: readonly ServiceState[];
  readonly rollouts: readonly RolloutView[];
}

export async function loadReleases(api: ApiClient): Promise<ReleasesData> {
  const [services, rollouts] = await Promise.all([api.listServices(), api.listRollouts()]);
  return { services, rollouts };
}

const newestFirst = (a: RolloutView, b: RolloutView) => b.status.createdAt - a.status.createdAt;

/** Each service (by name) with its active rollout and the latest rollout that ended. */
export function releasesOf({ services, rollouts }: ReleasesData): Release[] {
  const sorted = [...rollouts].sort(newestFirst);
  return [...services]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((service) => {
      const own = sorted.filter((r) => r.spec.service === service.name);
      const active = own.find(isActive) ?? own.find((r) => r.name === service.activeRollout);
      const last = own.find((r) => !isActive(r));
      return { service, ...(active === undefined ? {} : { active }), ...(last === undefined ? {} : { last }) };
    });
}

/** The filters of the releases page, as the URL keeps them (`?q=&active=1&phase=`). */
export interface ReleaseFilter {
  readonly q: string;
  readonly activeOnly: boolean;
  /** A phase, or '' for any. */
  readonly phase: string;
}

export function filterFromQuery(query: URLSearchParams): ReleaseFilter {
  const phase = query.get('phase') ?? '';
  return { q: query.get('q') ?? '', activeOnly: query.get('active') === '1', phase: (PHASES as readonly string[]).includes(phase) ? phase : '' };
}

export function filterToQuery(filter: ReleaseFilter): Record<string, string | undefined> {
  return { q: filter.q.trim() === '' ? undefined : filter.q, active: filter.activeOnly ? '1' : undefined, phase: filter.phase === '' ? undefined : filter.phase };
}

/** The rollout a release shows: the active one, else the latest that ended. */
export function shownRollout(release: Release): RolloutView | undefined {
  return release.active ?? release.last;
}

/** Text search over the service, its versions and its rollouts' names; "active only"; the shown rollout's phase. */
export function matches(release: Release, filter: ReleaseFilter): boolean {
  if (filter.activeOnly && release.active === undefined) return false;
  if (filter.phase !== '' && shownRollout(release)?.status.phase !== filter.phase) return false;
  const q = filter.q.trim().toLowerCase();
  if (q === '') return true;
  const { service, active, last } = release;
  const words = [service.name, service.status.stable, ...Object.keys(service.spec.versions), active?.name, active?.spec.target, last?.name];
  return words.some((w) => w !== undefined && w.toLowerCase().includes(q));
}

/** "step 2/5": the step being executed, 1-based (N/N once every step is done). */
export function stepText(rollout: RolloutView): string {
  const total = rollout.steps.length;
  return `step ${Math.min(rollout.status.stepIndex + 1, total)}/${total}`;
}

/** The current step's description ("pause 2s"), if any. */
export function currentStepText(rollout: RolloutView): string | undefined {
  return rollout.steps.find((s) => s.state === 'current')?.description;
}
