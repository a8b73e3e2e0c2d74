import type { LintRule } from '../lint-rule.js';
import { columnsOfType, finding } from './compat-ast.js';

const ID = 'ban-char-field';

export const rule: LintRule = {
  id: ID,
  description: 'char(n) pads with spaces and compares oddly; use text (with a CHECK on length if needed).',
  check(statement) {
    // `bpchar` is char(n)/character(n); the quoted single-byte type "char" is written without pg_catalog.
    return columnsOfType(statement, (t) => t.name === 'bpchar' || (t.name === 'char' && t.qualified)).map((c) =>
      finding(
        ID,
        'expand',
        'warning',
        `Column ${c.table}.${c.column} is char(n): values are blank-padded to n, trailing spaces are ignored in comparisons, and it is no faster than text.`,
        `Use text for ${c.column}, with CHECK (char_length(${c.column}) <= n) if the length matters.`,
      ),
    );
  },
};
