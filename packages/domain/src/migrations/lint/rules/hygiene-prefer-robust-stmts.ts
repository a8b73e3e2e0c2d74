import type { LintFinding, LintRule, SqlStatement } from '../lint-rule.js';
import { alterTableCmds, asList, asString, finding, quoteIdent, rangeVarName, stmtOf, unwrap } from './compat-ast.js';

const ID = 'prefer-robust-stmts';

function found(what: string, fix: string): LintFinding {
  return finding(
    ID,
    'expand',
    'info',
    `${what} fails when run again: a migration that stopped halfway (outside a transaction) cannot simply be retried.`,
    fix,
  );
}

function dropObjects(drop: Readonly<Record<string, unknown>>): string {
  return asList(drop['objects'])
    .map((o) => {
      const items = unwrap(o, 'List')?.['items'];
      const parts = items === undefined ? [asString(unwrap(o, 'String')?.['sval']) ?? '?'] : asList(items).map((i) => asString(unwrap(i, 'String')?.['sval']) ?? '?');
      return parts.map(quoteIdent).join('.');
    })
    .join(', ');
}

function createFindings(statement: SqlStatement): LintFinding[] {
  const create = stmtOf(statement, 'CreateStmt');
  if (create && create['if_not_exists'] !== true) {
    const table = rangeVarName(create['relation']);
    return [found(`CREATE TABLE ${table} without IF NOT EXISTS`, `CREATE TABLE IF NOT EXISTS ${table} (…);`)];
  }
  const index = stmtOf(statement, 'IndexStmt');
  const name = asString(index?.['idxname']);
  if (index && name !== undefined && index['if_not_exists'] !== true) {
    return [found(`CREATE INDEX ${quoteIdent(name)} without IF NOT EXISTS`, `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${rangeVarName(index['relation'])} (…); (drop an INVALID leftover first)`)];
  }
  const schema = stmtOf(statement, 'CreateSchemaStmt');
  const schemaName = asString(schema?.['schemaname']);
  if (schema && schemaName !== undefined && schema['if_not_exists'] !== true) {
    return [found(`CREATE SCHEMA ${quoteIdent(schemaName)} without IF NOT EXISTS`, `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schemaName)};`)];
  }
  return [];
}

function dropFindings(statement: SqlStatement): LintFinding[] {
  const drop = stmtOf(statement, 'DropStmt');
  if (!drop || drop['missing_ok'] === true) return [];
  const kind = (asString(drop['removeType']) ?? 'OBJECT_?').replace(/^OBJECT_/, '').replace(/_/g, ' ');
  const objects = dropObjects(drop);
  return [found(`DROP ${kind} ${objects} without IF EXISTS`, `DROP ${kind} IF EXISTS ${objects};`)];
}

function alterFindings(statement: SqlStatement): LintFinding[] {
  const alter = alterTableCmds(statement);
  if (!alter) return [];
  const table = rangeVarName(alter.table);
  const out: LintFinding[] = [];
  for (const cmd of alter.cmds) {
    if (cmd['missing_ok'] === true) continue;
    const def = unwrap(cmd['def'], 'ColumnDef');
    if (cmd['subtype'] === 'AT_AddColumn' && def) {
      const column = quoteIdent(asString(def['colname']) ?? '?');
      out.push(found(`ALTER TABLE ${table} ADD COLUMN ${column} without IF NOT EXISTS`, `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${column} …;`));
    } else if (cmd['subtype'] === 'AT_DropColumn' || cmd['subtype'] === 'AT_DropConstraint') {
      const what = cmd['subtype'] === 'AT_DropColumn' ? 'COLUMN' : 'CONSTRAINT';
      const name = quoteIdent(asString(cmd['name']) ?? '?');
      out.push(found(`ALTER TABLE ${table} DROP ${what} ${name} without IF EXISTS`, `ALTER TABLE ${table} DROP ${what} IF EXISTS ${name};`));
    }
  }
  return out;
}

export const rule: LintRule = {
  id: ID,
  description: 'CREATE/DROP/ADD COLUMN without IF [NOT] EXISTS cannot be retried after a partial run outside a transaction.',
  check(statement) {
    // Inside a transaction a failure rolls everything back, so a retry starts clean.
    if (statement.inTransaction) return [];
    return [...createFindings(statement), ...dropFindings(statement), ...alterFindings(statement)];
  },
};
