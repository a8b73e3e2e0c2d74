import { PHASES, type ReleaseFilter } from './release-model';

export interface ReleaseFiltersProps {
  readonly filter: ReleaseFilter;
  readonly onChange: (filter: ReleaseFilter) => void;
}

/** Text search, "active only" and a phase; each change applies at once (and goes into the URL). */
export function ReleaseFilters({ filter, onChange }: ReleaseFiltersProps) {
  return (
    <form class="rel-filters" role="search" aria-label="Filter the releases" onSubmit={(e) => e.preventDefault()}>
      <label class="rel-filter rel-filter-grow">
        <span>Search</span>
        <input type="search" name="q" placeholder="service, version or rollout" value={filter.q} onInput={(e) => onChange({ ...filter, q: e.currentTarget.value })} />
      </label>
      <label class="rel-filter">
        <span>Phase</span>
        <select name="phase" value={filter.phase} onChange={(e) => onChange({ ...filter, phase: e.currentTarget.value })}>
          <option value="">Any phase</option>
          {PHASES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label class="rel-filter rel-filter-check">
        <input type="checkbox" name="active" checked={filter.activeOnly} onChange={(e) => onChange({ ...filter, activeOnly: e.currentTarget.checked })} />
        <span>Active rollouts only</span>
      </label>
    </form>
  );
}
