import { useFlagChangeDenied } from './flag-permission';

export interface FlagSwitchProps {
  readonly on: boolean;
  /** What the switch turns on and off, for screen readers: "new-checkout in production". */
  readonly label: string;
  readonly busy: boolean;
  readonly onToggle: () => void;
}

/**
 * An on/off switch: a real button with role="switch", fixed width so the row never shifts. While its
 * change runs it ignores clicks but stays focusable (a disabled button would drop keyboard focus).
 */
export function FlagSwitch({ on, label, busy, onToggle }: FlagSwitchProps) {
  // A role that may not change flags: the switch shows the state, stays focusable and explains why it does nothing.
  const denied = useFlagChangeDenied();
  const inert = busy || denied.disabled === true;
  return (
    <button
      type="button"
      role="switch"
      class={`switch ${on ? 'switch-on' : ''} ${denied.disabled === true ? 'switch-denied' : ''}`}
      aria-checked={on}
      aria-label={label}
      aria-busy={busy}
      aria-disabled={inert}
      title={denied.title}
      aria-describedby={denied['aria-describedby']}
      onClick={() => inert || onToggle()}
    >
      <span class="switch-track" aria-hidden="true">
        <span class="switch-thumb" />
      </span>
      <span class="switch-text">{on ? 'On' : 'Off'}</span>
    </button>
  );
}
