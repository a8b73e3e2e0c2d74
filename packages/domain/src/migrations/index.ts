export * from './lint/lint-rule.js';
export * from './lint/lint.js';
export { ALL_RULES, COMPAT_RULES, HYGIENE_RULES, LOCKING_RULES } from './lint/rules/index.js';
export { nodeKind, relationName } from './lint/ast.js';
export { ruleInfo, type ClassifiedLintRule } from './lint/classified-rule.js';
export * from './migration-spec.js';
export * from './migration-state.js';
export * from './backfill-sql.js';
