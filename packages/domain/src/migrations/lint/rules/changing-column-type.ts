import { ident, columnDefOf, field, typeName } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { alterExistingTable, finding } from '../rule-kit.js';

const ID = 'changing-column-type';

/**
 * A migration file does not say the column's current type, so only the target is judged: `text`,
 * unbounded `varchar` and `varchar(n)` are rewrite-free when the column was varchar/text with a
 * smaller limit (strong_migrations' list); those get a warning, every other target an error.
 */
function maybeRewriteFree(target: { name: string; mods: number[] } | undefined): boolean {
  if (target === undefined) return false;
  return target.name === 'text' || target.name === 'varchar';
}

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'ALTER COLUMN … TYPE rewrites the table and its indexes under an ACCESS EXCLUSIVE lock, and may break readers',
  check(statement, context) {
    const alter = alterExistingTable(statement, context);
    if (alter === undefined) return [];
    const table = alter.display;
    return alter.cmds
      .filter((c) => c.subtype === 'AT_AlterColumnType')
      .map((c) => {
        const col = ident(c.name ?? '<column>');
        const target = typeName(field(columnDefOf(c.def), 'typeName'));
        const shown = target === undefined ? '?' : `${target.name}${target.mods.length > 0 ? `(${target.mods.join(',')})` : ''}`;
        const soft = maybeRewriteFree(target);
        const why = soft
          ? `is rewrite-free only if ${col} is varchar/text with a smaller (or no larger) limit; any other current type rewrites the table under an ACCESS EXCLUSIVE lock`
          : `rewrites ${table} and rebuilds its indexes under an ACCESS EXCLUSIVE lock, and readers of the old type may break`;
        return finding(
          ID,
          `changing ${table}.${col} to ${shown} ${why}`,
          `-- expand: ALTER TABLE ${table} ADD COLUMN ${col}_new ${shown};\n-- dual write: a trigger copies ${col} → ${col}_new on INSERT/UPDATE while both versions run;\n-- backfill ${col}_new in batches; switch reads to ${col}_new;\n-- contract (after the old version is gone): ALTER TABLE ${table} DROP COLUMN ${col}; then rename ${col}_new`,
          soft ? 'warning' : 'error',
        );
      });
  },
};
