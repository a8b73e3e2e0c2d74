export interface EnvironmentPickerProps {
  readonly environments: readonly string[];
  readonly value: string;
  readonly onChange: (environment: string) => void;
}

/** Native radio buttons (arrow keys move between them) drawn as a segmented control. */
export function EnvironmentPicker({ environments, value, onChange }: EnvironmentPickerProps) {
  return (
    <fieldset class="segmented">
      <legend>Environment</legend>
      {environments.map((env) => (
        <label key={env} class={env === value ? 'segment segment-on' : 'segment'}>
          <input type="radio" name="environment" value={env} checked={env === value} onChange={() => onChange(env)} />
          <span>{env}</span>
        </label>
      ))}
    </fieldset>
  );
}
