/** Structured log lines. Never pass secrets in `fields`. */
export interface Logger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** One line per entry: `time level message key=value…`, written to `write` (stderr by default). */
export function createLineLogger(write: (line: string) => void): Logger {
  const emit = (level: string, message: string, fields?: Readonly<Record<string, unknown>>) => {
    const tail = fields
      ? Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
          .join(' ')
      : '';
    write(`${new Date().toISOString()} ${level} ${message}${tail ? ` ${tail}` : ''}`);
  };
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
