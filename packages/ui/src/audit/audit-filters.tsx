import { useState } from 'preact/hooks';
import { EVENT_TYPES, NO_AUDIT_FILTER, type AuditFilter } from './audit-model';

export interface AuditFiltersProps {
  readonly filter: AuditFilter;
  readonly onApply: (filter: AuditFilter) => void;
}

function TextFilter({ name, label, placeholder, value, onInput }: { readonly name: string; readonly label: string; readonly placeholder: string; readonly value: string; readonly onInput: (v: string) => void }) {
  return (
    <label class="rel-filter">
      <span>{label}</span>
      <input type="text" name={name} placeholder={placeholder} value={value} onInput={(e) => onInput(e.currentTarget.value)} />
    </label>
  );
}

/** Service, actor, source IP, subject (applied with Filter or Enter) and type (applied at once). Mount with a key per URL, so it shows the URL's filters. */
export function AuditFilters({ filter, onApply }: AuditFiltersProps) {
  const [draft, setDraft] = useState(filter);
  const set = (key: keyof AuditFilter) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const types: readonly string[] = EVENT_TYPES;
  return (
    <form
      class="rel-filters"
      role="search"
      aria-label="Filter the audit log"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      <TextFilter name="service" label="Service" placeholder="shop" value={draft.service} onInput={set('service')} />
      <TextFilter name="actor" label="Actor" placeholder="controller, alice…" value={draft.actor} onInput={set('actor')} />
      <TextFilter name="source" label="Source IP" placeholder="203.0.113.7" value={draft.source} onInput={set('source')} />
      <label class="rel-filter">
        <span>Type</span>
        <select name="type" value={draft.type} onChange={(e) => onApply({ ...draft, type: e.currentTarget.value })}>
          <option value="">Any type</option>
          {draft.type !== '' && !types.includes(draft.type) && <option value={draft.type}>{draft.type}</option>}
          {types.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <TextFilter name="subject" label="Subject" placeholder="Rollout/shop-v2" value={draft.subject} onInput={set('subject')} />
      <div class="rel-filter-actions">
        <button type="submit" class="button button-primary">
          Filter
        </button>
        <button type="button" class="button" onClick={() => onApply(NO_AUDIT_FILTER)}>
          Clear
        </button>
      </div>
    </form>
  );
}
