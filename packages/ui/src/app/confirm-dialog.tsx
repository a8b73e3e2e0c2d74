import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export interface ConfirmDialogProps {
  readonly title: string;
  readonly confirmLabel: string;
  /** Styles the confirm button as destructive. */
  readonly danger?: boolean;
  /** While the action runs: both buttons are disabled and the confirm button says so. */
  readonly busy?: boolean;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
  readonly children: ComponentChildren;
}

/**
 * A modal <dialog> (the browser traps focus, Escape cancels). Mounted = open. Focus starts on
 * Cancel, so Enter on a stray key press never confirms a destructive action.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const onCancel = useRef(props.onCancel);
  onCancel.current = props.onCancel;
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return undefined;
    if (!dialog.open) dialog.showModal();
    cancelRef.current?.focus();
    const onEscape = (event: Event) => {
      event.preventDefault();
      onCancel.current();
    };
    dialog.addEventListener('cancel', onEscape);
    return () => {
      dialog.removeEventListener('cancel', onEscape);
      if (dialog.open) dialog.close();
    };
  }, []);
  const submit = (event: Event) => {
    event.preventDefault();
    if (props.busy !== true) props.onConfirm();
  };
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="dialog-title">
      <form onSubmit={submit}>
        <h2 id="dialog-title">{props.title}</h2>
        <div class="dialog-body">{props.children}</div>
        <div class="dialog-actions">
          <button type="button" ref={cancelRef} class="button" disabled={props.busy === true} onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" class={`button ${props.danger === true ? 'button-danger' : 'button-primary'}`} disabled={props.busy === true}>
            {props.busy === true ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
