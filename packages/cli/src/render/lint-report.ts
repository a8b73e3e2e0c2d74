import type { LintResult, LintRule, LintSeverity, LocatedFinding, MigrationClass } from '@sluice/domain';

/** One linted file, as the CLI reports it. */
export interface LintedFile {
  readonly file: string;
  readonly result: LintResult;
}

const CLASSES: readonly MigrationClass[] = ['expand', 'contract', 'unsafe'];
const SEVERITIES: readonly LintSeverity[] = ['info', 'warning', 'error'];

function countBy<K extends string>(keys: readonly K[], values: readonly K[]): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const v of values) out[v] += 1;
  return out;
}

/** `file:line:col: error [rule] (unsafe) message`, then the fix indented under `fix:`. */
export function formatFinding(f: LocatedFinding): string {
  const fix = f.fix.split('\n').map((l) => `      ${l}`).join('\n');
  return `${f.file}:${f.line}:${f.col}: ${f.severity} [${f.rule}] (${f.classification}) ${f.message}\n    fix:\n${fix}`;
}

/** The compiler-style text report: findings, then one summary line per file. */
export function renderLintText(files: readonly LintedFile[]): string {
  const lines: string[] = [];
  for (const { file, result } of files) {
    for (const f of result.findings) lines.push(formatFinding(f));
    const byClass = countBy(CLASSES, result.statements.map((s) => s.classification));
    const n = result.statements.length;
    const findings = result.findings.length;
    lines.push(
      `${file}: ${n} ${n === 1 ? 'statement' : 'statements'} (${CLASSES.map((c) => `${byClass[c]} ${c}`).join(', ')}); ${findings} ${findings === 1 ? 'finding' : 'findings'}`,
    );
  }
  return lines.join('\n');
}

/** The `--format json` document. */
export function lintJson(files: readonly LintedFile[]): unknown {
  const all = files.flatMap((f) => f.result.findings);
  return {
    files: files.map(({ file, result }) => ({
      file,
      statements: result.statements.map((s) => ({
        line: s.statement.line,
        col: s.statement.col,
        text: s.statement.text,
        classification: s.classification,
        findings: s.findings,
      })),
    })),
    findings: all,
    counts: {
      statements: countBy(CLASSES, files.flatMap((f) => f.result.statements.map((s) => s.classification))),
      findings: countBy(SEVERITIES, all.map((f) => f.severity)),
    },
  };
}

/** `sluice migrate rules`: one line per rule. */
export function renderRules(rules: readonly { rule: LintRule; classification: string; severity: string }[]): string {
  const width = Math.max(...rules.map((r) => r.rule.id.length), 4);
  const header = `${'RULE'.padEnd(width)}  CLASS     SEVERITY  DESCRIPTION`;
  const rows = rules.map((r) => `${r.rule.id.padEnd(width)}  ${r.classification.padEnd(8)}  ${r.severity.padEnd(8)}  ${r.rule.description}`);
  return [header, ...rows].join('\n');
}
