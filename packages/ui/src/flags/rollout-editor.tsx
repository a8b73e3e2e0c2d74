import { useEffect, useRef, useState } from 'preact/hooks';
import { useFlagChangeDenied } from './flag-permission';
import { percent } from './format';
import { parseRollout, ROLLOUT_STEP } from './flags-api';
import './flags-extra.css';

export interface RolloutEditorProps {
  readonly flag: string;
  readonly environment: string;
  readonly rollout: number;
  readonly busy: boolean;
  /** Greys the value out (the flag is off in the environment). */
  readonly muted?: boolean;
  /** Saves the new rollout; resolves true when the API took it. */
  readonly onSave: (rollout: number) => Promise<boolean>;
}

interface RolloutFormProps extends RolloutEditorProps {
  readonly draft: string;
  readonly setDraft: (draft: string) => void;
  readonly close: () => void;
}

function RolloutForm({ flag, environment, rollout, busy, onSave, draft, setDraft, close }: RolloutFormProps) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.select(), []);
  const parsed = parseRollout(draft);
  const error = 'error' in parsed ? parsed.error : undefined;
  const submit = async (event: Event) => {
    event.preventDefault();
    if ('error' in parsed || busy) return;
    if (parsed.value === rollout || (await onSave(parsed.value))) close();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    close();
  };
  const errorId = `rollout-error-${flag}-${environment}`;
  return (
    <form class="rollout-form" onSubmit={(e) => void submit(e)} onKeyDown={onKeyDown}>
      <span class="rollout-field">
        <input ref={input} type="number" inputMode="decimal" min={0} max={100} step={ROLLOUT_STEP} name="rollout" aria-label={`Rollout of ${flag} in ${environment} (percent)`}
          aria-invalid={error !== undefined} aria-describedby={error === undefined ? undefined : errorId} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} readOnly={busy} />
        <span aria-hidden="true">%</span>
      </span>
      <button type="submit" class="button button-small button-primary" disabled={error !== undefined || busy}>
        {busy ? 'Saving…' : 'Save'}
      </button>
      <button type="button" class="button button-small" onClick={close} disabled={busy}>
        Cancel
      </button>
      {error !== undefined && (
        <span id={errorId} class="field-error small">
          {error}
        </span>
      )}
    </form>
  );
}

/**
 * The default rollout of one environment, edited in place: the percent is a button; clicking it (or
 * Enter on it) opens a number field. Enter or Save stores it, Escape or Cancel leaves it as it was.
 * A value the API would refuse (not 0–100 in steps of 0.01) is explained beside the field and never sent.
 */
export function RolloutEditor(props: RolloutEditorProps) {
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const button = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  const denied = useFlagChangeDenied();
  useEffect(() => {
    if (draft === undefined && refocus.current) button.current?.focus();
    refocus.current = false;
  }, [draft === undefined]);
  if (draft !== undefined) {
    const close = () => {
      refocus.current = true;
      setDraft(undefined);
    };
    return <RolloutForm {...props} draft={draft} setDraft={setDraft} close={close} />;
  }
  const value = percent(props.rollout);
  return (
    <button type="button" ref={button} {...denied} class={`rollout-value ${props.muted === true ? 'muted' : ''}`} aria-label={`Rollout of ${props.flag} in ${props.environment}: ${value}, edit`} onClick={() => setDraft(String(props.rollout))}>
      {value}
    </button>
  );
}
