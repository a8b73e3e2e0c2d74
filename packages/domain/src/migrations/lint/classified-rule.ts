import type { LintRule, LintSeverity, MigrationClass } from './lint-rule.js';

/** A rule that also states the class and (highest) severity of its findings, for `sluice migrate rules` and the docs. */
export interface ClassifiedLintRule extends LintRule {
  readonly classification: MigrationClass;
  readonly severity: LintSeverity;
}

/** The class and severity a rule states, when it states them (rules typed plainly as LintRule do not). */
export function ruleInfo(rule: LintRule): { classification: MigrationClass; severity: LintSeverity } | undefined {
  const r = rule as Partial<ClassifiedLintRule>;
  const classes: readonly unknown[] = ['expand', 'contract', 'unsafe'];
  const severities: readonly unknown[] = ['info', 'warning', 'error'];
  if (!classes.includes(r.classification) || !severities.includes(r.severity)) return undefined;
  return { classification: r.classification as MigrationClass, severity: r.severity as LintSeverity };
}
