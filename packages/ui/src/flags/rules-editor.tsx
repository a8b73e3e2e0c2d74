import type { FlagView } from '../api/client';
import { ErrorDetails } from '../app/notices';
import { deniedProps, PermissionNote } from '../auth/permission-note';
import { useCan } from '../auth/session';
import { CodeEditor, goToPosition } from './code-editor';
import { useRulesEditor, type EditorCheck } from './use-rules-editor';
import './flags-extra.css';

const EDITOR_ID = 'rules-yaml';
const PROBLEMS_ID = 'rules-problems';
const PERMISSION_ID = 'rules-permission';

function ProblemList({ check }: { readonly check: Extract<EditorCheck, { state: 'invalid' }> }) {
  return (
    <>
      <p>
        <strong>
          {check.problems.length} problem{check.problems.length === 1 ? '' : 's'}
        </strong>{' '}
        <span class="muted small">nothing was saved</span>
      </p>
      <ol class="problems">
        {check.problems.map((p, i) => (
          <li key={i} class="problem" data-line={p.line}>
            {p.line !== undefined ? (
              <button type="button" class="problem-at" onClick={() => goToPosition(EDITOR_ID, p.line ?? 1, p.col ?? 1)}>
                {p.line}:{p.col}
              </button>
            ) : (
              p.path !== undefined && <code>{p.path}</code>
            )}{' '}
            <span class="problem-message">{p.message}</span>
            {p.expected !== undefined && <span class="muted small"> — expected {p.expected}</span>}
          </li>
        ))}
      </ol>
    </>
  );
}

function CheckResult({ check, dirty }: { readonly check: EditorCheck; readonly dirty: boolean }) {
  switch (check.state) {
    case 'idle':
      return <p class="muted">{dirty ? 'Edited: check it, or save (the server checks it first).' : 'The settings as stored. Edit them, then check or save.'}</p>;
    case 'checking':
    case 'saving':
      return <p class="muted">{check.state === 'checking' ? 'Checking with the server…' : 'Saving…'}</p>;
    case 'valid':
      return <p class="check-ok">{check.action === 'unchanged' ? 'Valid, and the same as the stored settings: nothing to save.' : 'Valid: saving makes a new version.'}</p>;
    case 'saved':
      return <p class="check-ok">Saved as version {check.version}.</p>;
    case 'invalid':
      return <ProblemList check={check} />;
    case 'failed':
      return <ErrorDetails error={check.error} />;
  }
}

export interface RulesEditorProps {
  readonly flag: FlagView;
  readonly environment: string;
  readonly saved: (flag: FlagView) => void;
}

/** The overrides, rules and default of one environment as YAML, checked by the server (dry run) before a save. */
export function RulesEditor({ flag, environment, saved }: RulesEditorProps) {
  const editor = useRulesEditor(flag, environment, saved);
  const { check } = editor;
  const allowed = useCan('flag.edit-rules');
  const denied = deniedProps(allowed, PERMISSION_ID);
  const busy = check.state === 'checking' || check.state === 'saving';
  const badLines = new Set(check.state === 'invalid' ? check.problems.flatMap((p) => (p.line === undefined ? [] : [p.line])) : []);
  return (
    <div class="rules-editor">
      <div class="rules-main">
        <CodeEditor id={EDITOR_ID} label={`Targeting of ${flag.name} in ${environment} (YAML)`} value={editor.text} badLines={badLines} describedBy={PROBLEMS_ID} onInput={editor.setText} />
        <div class="rules-actions">
          <button type="button" class="button" disabled={busy} onClick={() => void editor.run(false)}>
            Check
          </button>
          <button type="button" class="button button-primary" disabled={busy || !editor.dirty || editor.conflict !== undefined || denied.disabled === true}
            title={denied.title} aria-describedby={denied['aria-describedby']} onClick={() => void editor.run(true)}>
            {check.state === 'saving' ? 'Saving…' : 'Save'}
          </button>
          <button type="button" class="button" disabled={busy || (!editor.dirty && editor.conflict === undefined)} onClick={editor.reset}>
            {editor.conflict === undefined ? 'Discard changes' : `Load version ${editor.conflict}`}
          </button>
          <PermissionNote id={PERMISSION_ID} verdict={allowed} what="Saving targeting" />
        </div>
      </div>
      <aside class="rules-side panel" id={PROBLEMS_ID} aria-live="polite" aria-label="Server check">
        {editor.conflict !== undefined && (
          <p class="conflict" role="alert">
            Someone changed {flag.name} in {environment} since you opened it (now version {editor.conflict}). Load it to edit the current settings; your
            edits are kept until then.
          </p>
        )}
        <CheckResult check={check} dirty={editor.dirty} />
        <p class="muted small">
          <code>enabled</code> is the switch above; the other environments are left as they are. Keys: <code>overrides</code>, <code>rules</code>,{' '}
          <code>default</code>, <code>variantWeights</code> (see docs/flags.md).
        </p>
      </aside>
    </div>
  );
}
