/**
 * The compat-* and hygiene-* rules' accessors, in their own vocabulary but built on the linter's
 * `ast.ts` (the primitives and identifier quoting live there once). Nothing here throws on odd
 * shapes: a missing field reads as undefined / empty.
 */
import { ident, isObject, names, relationName, type AstNode } from '../ast.js';
import type { LintContext, LintFinding, LintSeverity, MigrationClass, SqlStatement } from '../lint-rule.js';

export type { AstNode } from '../ast.js';

export function asNode(value: unknown): AstNode | undefined {
  return isObject(value) ? value : undefined;
}

export function asList(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The body of a statement of one kind, e.g. `stmtOf(s, 'RenameStmt')`. */
export function stmtOf(statement: SqlStatement, kind: string): AstNode | undefined {
  return asNode(statement.node[kind]);
}

/** The payload of a wrapped node `{ Kind: {...} }` when it is of that kind. */
export function unwrap(value: unknown, kind: string): AstNode | undefined {
  return asNode(asNode(value)?.[kind]);
}

/** An identifier as it would be written in SQL: quoted unless plain lower-case. */
export const quoteIdent = ident;

/** `schema.table` from a RangeVar (quoted where needed); `?` when absent. */
export function rangeVarName(value: unknown): string {
  const rv = asNode(value) ?? unwrap(value, 'RangeVar');
  const rel = asString(rv?.['relname']);
  if (rel === undefined) return '?';
  const schema = asString(rv?.['schemaname']);
  return schema === undefined ? quoteIdent(rel) : `${quoteIdent(schema)}.${quoteIdent(rel)}`;
}

/** The key `LintContext.createdBefore` expects: lower-case, schema-qualified when written so. */
export function rangeVarKey(value: unknown): string {
  return relationName(asNode(value) ?? unwrap(value, 'RangeVar')) ?? '';
}

/** The strings of a name list `[{ String: { sval } }, …]`. */
export function nameParts(value: unknown): string[] {
  return names(asList(value));
}

/** A dotted name from a name list, each part quoted where needed. */
export function qualifiedName(value: unknown): string {
  const parts = nameParts(value);
  return parts.length === 0 ? '?' : parts.map(quoteIdent).join('.');
}

/** Whether the table the statement touches was created earlier in the same file. */
export function isNewTable(context: LintContext, statement: SqlStatement, relation: unknown): boolean {
  return context.createdBefore(statement.index, rangeVarKey(relation));
}

/** The `AlterTableCmd`s of an `ALTER TABLE` (not of ALTER INDEX/VIEW/…), with the table. */
export function alterTableCmds(statement: SqlStatement): { table: unknown; cmds: AstNode[] } | undefined {
  const alter = stmtOf(statement, 'AlterTableStmt');
  if (!alter || (alter['objtype'] !== undefined && alter['objtype'] !== 'OBJECT_TABLE')) return undefined;
  const cmds: AstNode[] = [];
  for (const item of asList(alter['cmds'])) {
    const cmd = unwrap(item, 'AlterTableCmd');
    if (cmd) cmds.push(cmd);
  }
  return { table: alter['relation'], cmds };
}

/** A column definition that creates a column: in CREATE TABLE or ALTER TABLE … ADD COLUMN. */
export interface NewColumn {
  readonly table: unknown;
  readonly def: AstNode;
  readonly name: string;
  /** Whether it comes from CREATE TABLE (a new table, no readers yet). */
  readonly inCreateTable: boolean;
}

export function newColumns(statement: SqlStatement): NewColumn[] {
  const out: NewColumn[] = [];
  const create = stmtOf(statement, 'CreateStmt');
  if (create) {
    for (const elt of asList(create['tableElts'])) {
      const def = unwrap(elt, 'ColumnDef');
      if (def) out.push({ table: create['relation'], def, name: asString(def['colname']) ?? '?', inCreateTable: true });
    }
  }
  const alter = alterTableCmds(statement);
  for (const cmd of alter?.cmds ?? []) {
    const def = unwrap(cmd['def'], 'ColumnDef');
    if (cmd['subtype'] === 'AT_AddColumn' && def) {
      out.push({ table: alter?.table, def, name: asString(def['colname']) ?? '?', inCreateTable: false });
    }
  }
  return out;
}

/** Columns whose type a statement sets: new columns plus `ALTER COLUMN … TYPE`. */
export function typedColumns(statement: SqlStatement): { table: unknown; name: string; typeName: unknown }[] {
  const out = newColumns(statement).map((c) => ({ table: c.table, name: c.name, typeName: c.def['typeName'] }));
  const alter = alterTableCmds(statement);
  for (const cmd of alter?.cmds ?? []) {
    const def = unwrap(cmd['def'], 'ColumnDef');
    if (cmd['subtype'] === 'AT_AlterColumnType' && def) {
      out.push({ table: alter?.table, name: asString(cmd['name']) ?? '?', typeName: def['typeName'] });
    }
  }
  return out;
}

/** A column type: its base name (lower-case, without pg_catalog), typmods and whether it is an array. */
export interface ColumnType {
  readonly name: string;
  readonly qualified: boolean;
  readonly typmods: number;
  readonly isArray: boolean;
}

export function columnType(typeName: unknown): ColumnType | undefined {
  const node = asNode(typeName) ?? unwrap(typeName, 'TypeName');
  const parts = nameParts(node?.['names']);
  const last = parts[parts.length - 1];
  if (last === undefined) return undefined;
  return {
    name: last.toLowerCase(),
    qualified: parts.length > 1 && parts[0] === 'pg_catalog',
    typmods: asList(node?.['typmods']).length,
    isArray: asList(node?.['arrayBounds']).length > 0,
  };
}

/** The `contype`s of a column definition's constraints, e.g. CONSTR_NOTNULL, CONSTR_DEFAULT. */
export function constraintTypes(def: AstNode): string[] {
  const out: string[] = [];
  for (const item of asList(def['constraints'])) {
    const contype = asString(unwrap(item, 'Constraint')?.['contype']);
    if (contype !== undefined) out.push(contype);
  }
  return out;
}

/** The kind of a transaction-control statement (TRANS_STMT_BEGIN, …), if it is one. */
export function transactionKind(statement: SqlStatement): string | undefined {
  return asString(stmtOf(statement, 'TransactionStmt')?.['kind']);
}

const OPENS = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START']);
const CLOSES = new Set(['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE']);

export function opensTransaction(statement: SqlStatement): boolean {
  return OPENS.has(transactionKind(statement) ?? '');
}

export function closesTransaction(statement: SqlStatement): boolean {
  return CLOSES.has(transactionKind(statement) ?? '');
}

/** Whether an explicit transaction is open just before statement `index` (from the file's own BEGIN/COMMIT). */
export function transactionOpenBefore(context: LintContext, index: number): boolean {
  let open = false;
  for (const s of context.statements) {
    if (s.index >= index) break;
    if (opensTransaction(s)) open = true;
    else if (closesTransaction(s)) open = false;
  }
  return open;
}

/** Builds a finding; rules pass their own id. */
export function finding(
  rule: string,
  classification: MigrationClass,
  severity: LintSeverity,
  message: string,
  fix: string,
): LintFinding {
  return { rule, classification, severity, message, fix };
}

/** One column whose type matches, with its display names, for the type-preference rules. */
export interface TypedColumnMatch {
  readonly table: string;
  readonly column: string;
  readonly type: ColumnType;
}

export function columnsOfType(statement: SqlStatement, matches: (type: ColumnType) => boolean): TypedColumnMatch[] {
  const out: TypedColumnMatch[] = [];
  for (const c of typedColumns(statement)) {
    const type = columnType(c.typeName);
    if (type && matches(type)) out.push({ table: rangeVarName(c.table), column: quoteIdent(c.name), type });
  }
  return out;
}
