import type { Verdict } from './permissions';
import './auth.css';

/** The props a button gets when the role may not use it: disabled, with the reason as its tooltip and description. */
export function deniedProps(verdict: Verdict, noteId: string): { disabled?: true; title?: string; 'aria-describedby'?: string } {
  return verdict.allowed ? {} : { disabled: true, title: `Not allowed: ${verdict.reason}`, 'aria-describedby': noteId };
}

/** One visible line saying why the buttons beside it are disabled ("Changing flags needs operator role"); nothing when allowed. */
export function PermissionNote({ id, verdict, what }: { readonly id: string; readonly verdict: Verdict; readonly what: string }) {
  if (verdict.allowed) return null;
  return (
    <p id={id} class="permission-note" data-testid="permission-note">
      {what} {verdict.reason}.
    </p>
  );
}
