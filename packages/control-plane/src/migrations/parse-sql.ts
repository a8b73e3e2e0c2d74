/**
 * Parses a migration file with PostgreSQL's own parser (libpg-query, WASM) into the linter's
 * SqlStatements (text without the final semicolon): positions (the parser counts UTF-8 bytes; we report 1-based line and column in
 * characters), each statement's own text, and whether it sits inside BEGIN … COMMIT.
 */
import { ErrorCode, SluiceError, type SqlStatement } from '@sluice/domain';
import { loadModule, parseSync } from 'libpg-query';

interface RawStatement {
  readonly stmt?: Record<string, unknown>;
  readonly stmt_location?: number;
  readonly stmt_len?: number;
}

let loaded: Promise<void> | undefined;

/** Loads the parser's WASM module once; call before `parseMigrationSql`. */
export function loadSqlParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** Maps UTF-8 byte offsets of `text` to JS string indexes (offsets must be asked in increasing order for speed). */
function byteToIndex(text: string): (byte: number) => number {
  let index = 0;
  let bytes = 0;
  return (target) => {
    if (target < bytes) {
      index = 0;
      bytes = 0;
    }
    while (bytes < target && index < text.length) {
      const cp = text.codePointAt(index) ?? 0;
      bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      index += cp >= 0x10000 ? 2 : 1;
    }
    return index;
  };
}

/** Skips whitespace and comments (`--` and nested `/* *\/`) from `i`. */
export function skipTrivia(text: string, i: number): number {
  let at = i;
  for (;;) {
    while (at < text.length && /\s/.test(text[at] ?? '')) at++;
    if (text.startsWith('--', at)) {
      const nl = text.indexOf('\n', at);
      at = nl < 0 ? text.length : nl + 1;
    } else if (text.startsWith('/*', at)) {
      let depth = 0;
      do {
        if (text.startsWith('/*', at)) (depth++, (at += 2));
        else if (text.startsWith('*/', at)) (depth--, (at += 2));
        else at++;
      } while (depth > 0 && at < text.length);
    } else {
      return at;
    }
  }
}

/** 1-based line and column (in characters) of a string index. */
export function lineColAt(text: string, index: number): { line: number; col: number } {
  const before = text.slice(0, index);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, col: Array.from(before.slice(lineStart)).length + 1 };
}

function transactionKind(node: Record<string, unknown>): string | undefined {
  const tx = node['TransactionStmt'];
  const kind = typeof tx === 'object' && tx !== null ? (tx as Record<string, unknown>)['kind'] : undefined;
  return typeof kind === 'string' ? kind : undefined;
}

/**
 * Parses one migration file. Throws SluiceError INVALID_SPEC with `file:line:col` on a syntax error.
 * `loadSqlParser()` must have resolved first.
 */
export function parseMigrationSql(text: string, file: string): SqlStatement[] {
  const raw = parseOrThrow(text, file);
  const toIndex = byteToIndex(text);
  let open = false;
  return raw.map((r, index) => {
    const from = toIndex(r.stmt_location ?? 0);
    const to = r.stmt_len === undefined || r.stmt_len === 0 ? text.length : toIndex((r.stmt_location ?? 0) + r.stmt_len);
    const start = Math.min(skipTrivia(text, from), to);
    const node = r.stmt ?? {};
    const kind = transactionKind(node);
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') open = true;
    const inTransaction = open;
    if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') open = false;
    return { index, node, text: text.slice(start, to).trim().replace(/;$/, ''), file, ...lineColAt(text, start), inTransaction };
  });
}

function parseOrThrow(text: string, file: string): RawStatement[] {
  try {
    const result = parseSync(text) as unknown as { stmts?: RawStatement[] };
    return result.stmts ?? [];
  } catch (error) {
    const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
    const message = details?.message ?? (error instanceof Error ? error.message : String(error));
    // The parser's cursor counts characters (code points), from 0.
    const cursor = Math.max(0, details?.cursorPosition ?? 0);
    const index = Array.from(text).slice(0, cursor).join('').length;
    const { line, col } = lineColAt(text, index);
    throw new SluiceError(ErrorCode.INVALID_SPEC, `SQL syntax error in ${file}: ${message}`, {
      cause: error,
      problems: [{ file, line, col, message, expected: 'valid PostgreSQL SQL' }],
    });
  }
}
