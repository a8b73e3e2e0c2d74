import type { FlagEnvironmentSpec } from '@sluice/domain';
import { useEffect, useState } from 'preact/hooks';
import { toApiError, type ApiError } from '../api/api-error';
import type { ApiClient, FlagView } from '../api/client';
import { useApi } from '../app/api-context';
import { editableSettings, editorProblems, environmentYaml, flagDocument, type EditorProblem } from './flag-yaml';
import { applyFlagYaml } from './flags-api';

/** Where a check or save stands: what the server said about the editor's text. */
export type EditorCheck =
  | { readonly state: 'idle' }
  | { readonly state: 'checking' | 'saving' }
  | { readonly state: 'valid'; readonly action: 'created' | 'configured' | 'unchanged' }
  | { readonly state: 'invalid'; readonly problems: readonly EditorProblem[]; readonly error: ApiError }
  | { readonly state: 'failed'; readonly error: ApiError }
  | { readonly state: 'saved'; readonly version: number; readonly action: string };

export interface RulesEditorState {
  readonly text: string;
  readonly dirty: boolean;
  readonly check: EditorCheck;
  /** The flag's version when its settings here changed on the server after the editor loaded them. */
  readonly conflict: number | undefined;
  setText(text: string): void;
  /** Server validation (dry run), then, with `save`, the apply for real. */
  run(save: boolean): Promise<void>;
  /** Drops the edits: the settings as they are now. */
  reset(): void;
}

const envOf = (flag: FlagView, environment: string): FlagEnvironmentSpec | undefined => flag.spec.environments[environment];

type Outcome =
  | { readonly kind: 'conflict'; readonly version: number; readonly check: EditorCheck }
  | { readonly kind: 'saved'; readonly flag: FlagView; readonly check: EditorCheck }
  | { readonly kind: 'checked'; readonly check: EditorCheck };

interface Edit {
  readonly flag: string;
  readonly environment: string;
  /** The settings the edits started from (editableSettings). */
  readonly settings: string;
  readonly text: string;
}

/**
 * Reads the flag as it is now (a change since the edits started is a conflict, never overwritten),
 * builds the whole document around the editor's text, dry-runs it, and with `save` applies it.
 */
async function checkAndApply(api: ApiClient, edit: Edit, save: boolean): Promise<Outcome> {
  try {
    const fresh = await api.getFlag(edit.flag);
    if (editableSettings(envOf(fresh, edit.environment)) !== edit.settings) return { kind: 'conflict', version: fresh.version, check: { state: 'idle' } };
    const doc = flagDocument(edit.flag, fresh.spec, edit.environment, edit.text);
    const file = { name: `${edit.flag}.yaml`, text: doc.text };
    try {
      const dry = await applyFlagYaml(api, file, true);
      const action = dry.results.find((r) => r.kind === 'Flag')?.action ?? 'unchanged';
      if (!save || action === 'unchanged') return { kind: 'checked', check: { state: 'valid', action } };
    } catch (error) {
      const e = toApiError(error);
      if (e.problems.length === 0) throw e;
      return { kind: 'checked', check: { state: 'invalid', problems: editorProblems(e.problems, doc, edit.text.split('\n').length), error: e } };
    }
    await applyFlagYaml(api, file, false);
    const after = await api.getFlag(edit.flag);
    return { kind: 'saved', flag: after, check: { state: 'saved', version: after.version, action: 'configured' } };
  } catch (error) {
    return { kind: 'checked', check: { state: 'failed', error: toApiError(error) } };
  }
}

/** The rules editor's state for one flag environment; `saved` receives the flag after a save. */
export function useRulesEditor(flag: FlagView, environment: string, saved: (flag: FlagView) => void): RulesEditorState {
  const api = useApi();
  const [base, setBase] = useState(() => ({ settings: editableSettings(envOf(flag, environment)), text: environmentYaml(envOf(flag, environment)) }));
  const [text, setText] = useState(base.text);
  const [check, setCheck] = useState<EditorCheck>({ state: 'idle' });
  const [conflict, setConflict] = useState<number | undefined>(undefined);
  const dirty = text !== base.text;
  const load = (from: FlagView) => {
    const next = { settings: editableSettings(envOf(from, environment)), text: environmentYaml(envOf(from, environment)) };
    setBase(next);
    setText(next.text);
    setConflict(undefined);
  };
  // A change made elsewhere (stream, another tab): follow it, unless it would overwrite edits.
  useEffect(() => {
    if (editableSettings(envOf(flag, environment)) === base.settings) return;
    if (dirty) setConflict(flag.version);
    else load(flag);
  }, [flag]);
  const run = async (save: boolean) => {
    setCheck({ state: save ? 'saving' : 'checking' });
    const outcome = await checkAndApply(api, { flag: flag.name, environment, settings: base.settings, text }, save);
    if (outcome.kind === 'conflict') setConflict(outcome.version);
    if (outcome.kind === 'saved') {
      load(outcome.flag);
      saved(outcome.flag);
    }
    setCheck(outcome.check);
  };
  return {
    text,
    dirty,
    check,
    conflict,
    setText: (t) => {
      setText(t);
      if (check.state === 'valid' || check.state === 'saved') setCheck({ state: 'idle' });
    },
    run,
    reset: () => {
      setCheck({ state: 'idle' });
      void api.getFlag(flag.name).then(load, (error: unknown) => setCheck({ state: 'failed', error: toApiError(error) }));
    },
  };
}
