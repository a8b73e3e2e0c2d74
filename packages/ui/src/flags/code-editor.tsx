import { useRef } from 'preact/hooks';

export interface CodeEditorProps {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  /** Lines (1-based) that have a problem: marked in the gutter. */
  readonly badLines: ReadonlySet<number>;
  readonly describedBy?: string;
  readonly onInput: (value: string) => void;
}

/** Puts the caret at line:col (1-based) of the textarea `id`, focused and scrolled into view. */
export function goToPosition(id: string, line: number, col: number): void {
  const area = document.getElementById(id);
  if (!(area instanceof HTMLTextAreaElement)) return;
  const lines = area.value.split('\n');
  const offset = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0) + Math.min(col - 1, (lines[line - 1] ?? '').length);
  area.focus();
  area.setSelectionRange(offset, offset);
  const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 20;
  area.scrollTop = Math.max(0, (line - 3) * lineHeight);
}

/**
 * A plain textarea (every browser's editing, undo and keyboard use) with a line-number gutter that
 * scrolls with it and marks the lines with problems. Fixed height: typing never moves the page.
 */
export function CodeEditor({ id, label, value, badLines, describedBy, onInput }: CodeEditorProps) {
  const gutter = useRef<HTMLPreElement>(null);
  const count = value.split('\n').length;
  const sync = (event: Event) => {
    if (gutter.current !== null) gutter.current.scrollTop = (event.currentTarget as HTMLTextAreaElement).scrollTop;
  };
  return (
    <div class="code-editor">
      <pre class="code-gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: count }, (_, i) => (
          <span key={i} class={badLines.has(i + 1) ? 'gutter-bad' : undefined} data-line={i + 1}>
            {i + 1}
            {'\n'}
          </span>
        ))}
      </pre>
      <label class="visually-hidden" for={id}>
        {label}
      </label>
      <textarea
        id={id}
        class="code-area"
        spellcheck={false}
        autoCapitalize="off"
        autoComplete="off"
        wrap="off"
        value={value}
        aria-invalid={badLines.size > 0}
        aria-describedby={describedBy}
        onInput={(e) => onInput(e.currentTarget.value)}
        onScroll={sync}
      />
    </div>
  );
}
