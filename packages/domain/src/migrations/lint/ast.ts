/**
 * Small, safe accessors over libpg-query's JSON AST. Every function accepts `unknown` and answers
 * `undefined` / empty on shapes it does not expect: rules never throw on odd input.
 */

export type AstNode = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The node's single key, e.g. "AlterTableStmt" for `{ AlterTableStmt: { … } }`. */
export function nodeKind(node: unknown): string | undefined {
  if (!isObject(node)) return undefined;
  const keys = Object.keys(node);
  return keys.length === 1 ? keys[0] : undefined;
}

/** The body under `kind` when the node is of that kind. */
export function bodyOf(node: unknown, kind: string): AstNode | undefined {
  if (!isObject(node)) return undefined;
  const body = node[kind];
  return isObject(body) ? body : undefined;
}

export function field(node: unknown, key: string): unknown {
  return isObject(node) ? node[key] : undefined;
}

export function str(node: unknown, key: string): string | undefined {
  const value = field(node, key);
  return typeof value === 'string' ? value : undefined;
}

export function bool(node: unknown, key: string): boolean {
  return field(node, key) === true;
}

export function list(node: unknown, key: string): readonly unknown[] {
  const value = field(node, key);
  return Array.isArray(value) ? value : [];
}

/** `{ String: { sval } }` → sval. */
export function stringValue(node: unknown): string | undefined {
  return str(bodyOf(node, 'String'), 'sval');
}

/** A list of String nodes (qualified names) → their values. */
export function names(nodes: readonly unknown[]): string[] {
  return nodes.map(stringValue).filter((s): s is string => s !== undefined);
}

/** A RangeVar → `schema.table` (lower-case; schema only when written). */
export function relationName(rangeVar: unknown): string | undefined {
  const rel = str(rangeVar, 'relname');
  if (rel === undefined) return undefined;
  const schema = str(rangeVar, 'schemaname');
  return (schema === undefined ? rel : `${schema}.${rel}`).toLowerCase();
}

/** The table a statement's `relation` field names. */
export function statementRelation(body: unknown): string | undefined {
  return relationName(field(body, 'relation'));
}

/** One ALTER TABLE sub-command. */
export interface AlterCmd {
  readonly subtype: string;
  /** The column or constraint name (`name`), when the command has one. */
  readonly name: string | undefined;
  readonly def: unknown;
}

/** The sub-commands of an `AlterTableStmt` body. */
export function alterCmds(body: unknown): AlterCmd[] {
  return list(body, 'cmds')
    .map((c) => bodyOf(c, 'AlterTableCmd'))
    .filter((c): c is AstNode => c !== undefined)
    .map((c) => ({ subtype: str(c, 'subtype') ?? '', name: str(c, 'name'), def: c['def'] }));
}

/** The `Constraint` body inside a node, when it is one. */
export function constraintOf(node: unknown): AstNode | undefined {
  return bodyOf(node, 'Constraint');
}

/** A constraint's kind without the prefix: CHECK, FOREIGN, UNIQUE, PRIMARY, EXCLUSION, DEFAULT, NOTNULL, GENERATED… */
export function constraintType(constraint: unknown): string | undefined {
  return str(constraint, 'contype')?.replace(/^CONSTR_/, '');
}

/** Whether a constraint is added without NOT VALID (PostgreSQL will scan the table). */
export function isValidated(constraint: unknown): boolean {
  return !bool(constraint, 'skip_validation');
}

/** A `ColumnDef` body inside a node. */
export function columnDefOf(node: unknown): AstNode | undefined {
  return bodyOf(node, 'ColumnDef');
}

export function columnConstraints(columnDef: unknown): AstNode[] {
  return list(columnDef, 'constraints').map(constraintOf).filter((c): c is AstNode => c !== undefined);
}

/** A TypeName → its last name part and modifiers, e.g. `{ name: 'varchar', mods: [20] }`. */
export function typeName(typeNode: unknown): { name: string; mods: number[] } | undefined {
  const parts = names(list(typeNode, 'names'));
  const name = parts[parts.length - 1];
  if (name === undefined) return undefined;
  const mods = list(typeNode, 'typmods')
    .map((m) => field(field(bodyOf(m, 'A_Const'), 'ival'), 'ival'))
    .map((v) => (typeof v === 'number' ? v : 0));
  return { name: name.toLowerCase(), mods };
}

/** A DefElem list option by name (`concurrently`, `full`, …). */
export function hasOption(body: unknown, key: string, option: string): boolean {
  return list(body, key).some((o) => str(bodyOf(o, 'DefElem'), 'defname')?.toLowerCase() === option);
}

/** Every function name called anywhere inside a node (last part, lower-case). */
export function calledFunctions(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) calledFunctions(item, out);
  } else if (isObject(node)) {
    const call = bodyOf(node, 'FuncCall');
    if (call) {
      const parts = names(list(call, 'funcname'));
      const last = parts[parts.length - 1];
      if (last !== undefined) out.push(last.toLowerCase());
    }
    for (const value of Object.values(node)) calledFunctions(value, out);
  }
  return out;
}

/** Quotes an identifier for a suggested SQL fix only when needed. */
export function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `schema.table` → SQL text for fixes. */
export function qualified(name: string): string {
  return name.split('.').map(ident).join('.');
}

/** A RangeVar as SQL for messages and fixes: original case, quoted where needed (`"Sales"."Orders"`). */
export function displayRelation(rangeVar: unknown): string | undefined {
  const rel = str(rangeVar, 'relname');
  if (rel === undefined) return undefined;
  const schema = str(rangeVar, 'schemaname');
  return schema === undefined ? ident(rel) : `${ident(schema)}.${ident(rel)}`;
}
