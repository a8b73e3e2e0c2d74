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
  return (
    <button
      type="button"
      role="switch"
      class={`switch ${on ? 'switch-on' : ''}`}
      aria-checked={on}
      aria-label={label}
      aria-busy={busy}
      aria-disabled={busy}
      onClick={() => busy || onToggle()}
    >
      <span class="switch-track" aria-hidden="true">
        <span class="switch-thumb" />
      </span>
      <span class="switch-text">{on ? 'On' : 'Off'}</span>
    </button>
  );
}
