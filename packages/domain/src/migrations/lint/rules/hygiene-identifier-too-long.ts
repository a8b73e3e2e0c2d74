import type { LintRule } from '../lint-rule.js';
import { finding } from './compat-ast.js';

const ID = 'identifier-too-long';
/** NAMEDATALEN - 1: PostgreSQL truncates longer identifiers (the parser already has, so read the text). */
const MAX_BYTES = 63;

function utf8Length(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

const STRING = /'(?:[^']|'')*'?/y;
/** E'…' strings also take backslash escapes. */
const ESCAPE_STRING = /'(?:[^'\\]|''|\\.)*'?/sy;
const DOLLAR = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;
const QUOTED = /"((?:[^"]|"")*)"/y;
const PLAIN = /[\p{L}_][\p{L}\p{N}_$]*/uy;
const WORD_CHAR = /[\p{L}\p{N}_$]/u;

function matchAt(re: RegExp, sql: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(sql);
}

/** Skips a string literal, comment or dollar-quoted body starting at `i`; returns the index after it, or `i`. */
function skipNonIdentifier(sql: string, i: number): number {
  if (sql.startsWith('--', i)) return sql.indexOf('\n', i) === -1 ? sql.length : sql.indexOf('\n', i);
  if (sql.startsWith('/*', i)) return sql.indexOf('*/', i + 2) === -1 ? sql.length : sql.indexOf('*/', i + 2) + 2;
  if (sql[i] === "'") {
    const escaped = /[eE]/.test(sql[i - 1] ?? '') && !WORD_CHAR.test(sql[i - 2] ?? '');
    return i + (matchAt(escaped ? ESCAPE_STRING : STRING, sql, i)?.[0].length ?? 1);
  }
  const dollar = sql[i] === '$' && !WORD_CHAR.test(sql[i - 1] ?? '') ? matchAt(DOLLAR, sql, i) : null;
  if (dollar) {
    const end = sql.indexOf(dollar[0], i + dollar[0].length);
    return end === -1 ? sql.length : end + dollar[0].length;
  }
  return i;
}

/** The identifiers of a statement's text, as written (quoted ones unescaped), outside literals and comments. */
export function identifiersIn(sql: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const skipped = skipNonIdentifier(sql, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const quoted = sql[i] === '"' ? matchAt(QUOTED, sql, i) : null;
    const plain = quoted ? null : matchAt(PLAIN, sql, i);
    if (quoted) out.push(quoted[1]?.replace(/""/g, '"') ?? '');
    else if (plain) out.push(plain[0].toLowerCase());
    i += quoted?.[0].length ?? plain?.[0].length ?? 1;
  }
  return out;
}

export const rule: LintRule = {
  id: ID,
  description: 'Identifiers longer than 63 bytes are silently truncated, so the object gets a different name than written.',
  check(statement) {
    const long = [...new Set(identifiersIn(statement.text).filter((id) => utf8Length(id) > MAX_BYTES))];
    return long.map((id) =>
      finding(
        ID,
        'expand',
        'error',
        `Identifier "${id}" is ${utf8Length(id)} bytes; PostgreSQL silently truncates identifiers to ${MAX_BYTES} bytes, so the object is created under a different name than the one the code uses.`,
        `Shorten "${id}" to at most ${MAX_BYTES} bytes (ASCII characters are one byte each).`,
      ),
    );
  },
};
