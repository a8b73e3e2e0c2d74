import { ident, calledFunctions, columnConstraints, columnDefOf, constraintType, field, str, typeName } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { alterExistingTable, finding } from '../rule-kit.js';

const ID = 'adding-field-with-default';
/** Volatile functions: a default calling one is evaluated per row, so PostgreSQL rewrites the table. */
const VOLATILE = /^(random|gen_random_uuid|clock_timestamp|timeofday|nextval|uuid_generate_v1|uuid_generate_v1mc|uuid_generate_v4|uuidv4|uuidv7|txid_current|setseed)$/;
const SERIAL = new Set(['serial', 'bigserial', 'smallserial', 'serial4', 'serial8', 'serial2']);

/** Why adding this column rewrites the table, or undefined when it does not. */
function rewriteReason(columnDef: unknown, pgVersion: number): string | undefined {
  const constraints = columnConstraints(columnDef);
  const generated = constraints.find((c) => constraintType(c) === 'GENERATED' && str(c, 'generated_kind') === 's');
  if (generated) return 'a stored generated column is computed for every row';
  const type = typeName(field(columnDef, 'typeName'))?.name ?? '';
  if (SERIAL.has(type)) return `${type} gives every row a nextval() default`;
  const def = constraints.find((c) => constraintType(c) === 'DEFAULT');
  if (def === undefined) return undefined;
  const volatile = calledFunctions(def['raw_expr']).find((f) => VOLATILE.test(f));
  if (volatile !== undefined) return `the default ${volatile}() is volatile, so it is evaluated for every row`;
  return pgVersion < 11 ? `before PostgreSQL 11 any default is written into every row` : undefined;
}

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'ADD COLUMN with a volatile default (or a stored generated column, or any default before PG 11) rewrites the table',
  check(statement, context) {
    const alter = alterExistingTable(statement, context);
    if (alter === undefined) return [];
    const table = alter.display;
    return alter.cmds.flatMap((c) => {
      const column = columnDefOf(c.def);
      if (c.subtype !== 'AT_AddColumn' || column === undefined) return [];
      const reason = rewriteReason(column, context.pgVersion);
      if (reason === undefined) return [];
      const name = ident(str(column, 'colname') ?? '<column>');
      return [
        finding(
          ID,
          `adding column ${name} to ${table} rewrites the whole table under an ACCESS EXCLUSIVE lock: ${reason}`,
          `ALTER TABLE ${table} ADD COLUMN ${name} <type>;           -- no default: metadata only\nALTER TABLE ${table} ALTER COLUMN ${name} SET DEFAULT <expr>; -- applies to new rows only\n-- backfill existing rows in batches: UPDATE ${table} SET ${name} = <expr> WHERE <key> BETWEEN … AND … AND ${name} IS NULL;`,
        ),
      ];
    });
  },
};
