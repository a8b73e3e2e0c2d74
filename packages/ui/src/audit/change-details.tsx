import { recordedChange, type FieldChange } from './audit-diff';

const KIND_TEXT: Readonly<Record<FieldChange['kind'], string>> = { added: 'added', removed: 'removed', changed: 'changed' };

function FieldRow({ field }: { readonly field: FieldChange }) {
  return (
    <li class={`rel-change-field rel-change-${field.kind}`} data-path={field.path}>
      <code class="rel-change-path">{field.path}</code> <span class="visually-hidden">{KIND_TEXT[field.kind]}:</span>
      {field.before !== undefined && (
        <del class="rel-change-before" title="before">
          {field.before}
        </del>
      )}
      {field.before !== undefined && field.after !== undefined && <span aria-hidden="true"> → </span>}
      {field.after !== undefined && (
        <ins class="rel-change-after" title="after">
          {field.after}
        </ins>
      )}
    </li>
  );
}

/**
 * What an action changed (its recorded before/after), folded: a native disclosure, so Tab reaches it
 * and Enter or Space opens it. Nothing when the event recorded no change.
 */
export function ChangeDetails({ data }: { readonly data: Readonly<Record<string, unknown>> | undefined }) {
  const change = recordedChange(data);
  if (change === undefined) return null;
  const n = change.fields.length;
  const label = n === 0 ? 'No field changed' : `${change.created ? 'Created' : 'Changed'}: ${n} field${n === 1 ? '' : 's'}`;
  return (
    <details class="rel-change">
      <summary>{label}</summary>
      {n > 0 && (
        <ul class="rel-change-fields" aria-label="Before and after">
          {change.fields.map((f) => (
            <FieldRow key={f.path} field={f} />
          ))}
        </ul>
      )}
      {change.truncated && <p class="muted small">Only part of this change was kept (over 16 KB).</p>}
    </details>
  );
}
