import type { LintRule } from '../lint-rule.js';
import { columnType, constraintTypes, finding, isNewTable, newColumns, quoteIdent, rangeVarName } from './compat-ast.js';

const ID = 'adding-required-field';
const SERIALS = new Set(['smallserial', 'serial2', 'serial', 'serial4', 'bigserial', 'serial8']);
/** Constraints that give the column a value on INSERT without the client naming it. */
const FILLS_ITSELF = new Set(['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED']);

export const rule: LintRule = {
  id: ID,
  description: 'ADD COLUMN … NOT NULL without a DEFAULT on an existing table makes the old version\'s INSERTs fail.',
  check(statement, context) {
    return newColumns(statement)
      .filter((c) => !c.inCreateTable && !isNewTable(context, statement, c.table))
      .filter((c) => {
        const types = constraintTypes(c.def);
        const required = types.includes('CONSTR_NOTNULL') || types.includes('CONSTR_PRIMARY');
        return required && !types.some((t) => FILLS_ITSELF.has(t)) && !SERIALS.has(columnType(c.def['typeName'])?.name ?? '');
      })
      .map((c) => {
        const table = rangeVarName(c.table);
        const column = quoteIdent(c.name);
        return finding(
          ID,
          'contract',
          'error',
          `Adding required column ${table}.${column} (NOT NULL, no DEFAULT): the version still running does not set ${column}, so its INSERTs into ${table} fail.`,
          [
            `(1) expand: ALTER TABLE ${table} ADD COLUMN ${column} <type>; (nullable) or with a constant DEFAULT the old version's INSERTs can rely on;`,
            `(2) backfill: UPDATE ${table} SET ${column} = <value> WHERE ${column} IS NULL; in batches, while the new version writes ${column};`,
            `(3) contract, after the old version is gone: ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(`${c.name}_not_null`)} CHECK (${column} IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT, then SET NOT NULL.`,
          ].join('\n'),
        );
      });
  },
};
