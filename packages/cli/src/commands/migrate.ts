import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import {
  ALL_RULES,
  ErrorCode,
  isSluiceError,
  LINT_SEVERITIES,
  lintStatements,
  ruleInfo,
  SluiceError,
  type LintSeverity,
  type Problem,
  type SqlStatement,
} from '@sluice/domain';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { outputOption, toJson, type OutputFormat } from '../output-format.js';
import { migrationStateOf, renderMigrationDetail, renderMigrationTable } from '../render/migration-view.js';
import { ExitCode } from '../report-error.js';
import { lintJson, renderLintText, renderRules, type LintedFile } from '../render/lint-report.js';

const CONTROL_PLANE = '@sluice/control-plane';

/** What the CLI uses of @sluice/control-plane's SQL parser (typed here; the import is lazy). */
interface SqlParserModule {
  loadSqlParser(): Promise<void>;
  parseMigrationSql(text: string, file: string): SqlStatement[];
}

interface LintOptions {
  readonly format: 'text' | 'json';
  readonly failOn: LintSeverity;
  readonly pgVersion?: string;
}

export function registerMigrate(program: Command, ctx: CommandContext): void {
  const migrate = program.command('migrate').description('schema migrations: lint SQL for locks, rewrites and breaking changes; follow a rollout\'s migration');
  migrate
    .command('lint')
    .description('check migration SQL files with PostgreSQL\'s parser: classify every statement expand / contract / unsafe')
    .argument('<file...>', 'SQL migration files')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...LINT_SEVERITIES]).default('error'))
    .option('--pg-version <major>', 'PostgreSQL major version the migration targets (default 15)')
    .action(async (files: string[], options: LintOptions) => {
      const linted = await lintFiles(files, pgVersionOf(options.pgVersion));
      const out = options.format === 'json' ? toJson(lintJson(linted)) : renderLintText(linted);
      writeLine(ctx.io.stdout, out);
      const threshold = LINT_SEVERITIES.indexOf(options.failOn);
      const failing = linted.some((f) => f.result.findings.some((x) => LINT_SEVERITIES.indexOf(x.severity) >= threshold));
      ctx.exitCode = failing ? ExitCode.Failed : ExitCode.Ok;
    });
  migrate
    .command('status')
    .description('show each rollout\'s migration: phase, backfill progress and ETA, contract (or one rollout\'s in detail)')
    .argument('[rollout]', 'a rollout with a migration')
    .addOption(outputOption())
    .action(async (name: string | undefined, options: { output: OutputFormat }) => {
      const client = ctx.client();
      if (name !== undefined) {
        const view = await client.getRollout(name);
        const out = options.output === 'json' ? toJson({ rollout: view.name, migration: migrationStateOf(view) ?? null, waitingFor: view.waitingFor ?? null }) : renderMigrationDetail(view, ctx.now()).join('\n');
        writeLine(ctx.io.stdout, out);
        return;
      }
      const views = await client.listRollouts();
      const withMigration = views.filter((v) => v.spec.migration !== undefined);
      const out = options.output === 'json' ? toJson(withMigration.map((v) => ({ rollout: v.name, service: v.spec.service, phase: v.status.phase, migration: migrationStateOf(v) }))) : renderMigrationTable(withMigration, ctx.now()).join('\n');
      writeLine(ctx.io.stdout, out);
    });
  migrate
    .command('rules')
    .description('list every lint rule: id, class, severity and what it checks')
    .action(() => {
      const rows = ALL_RULES.map((rule) => ({ rule, ...(ruleInfo(rule) ?? { classification: 'varies', severity: 'varies' }) }));
      writeLine(ctx.io.stdout, renderRules(rows));
    });
}

function pgVersionOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 9 || n > 99) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `--pg-version must be a PostgreSQL major version such as 15, not "${text}"`);
  }
  return n;
}

/** Reads, parses and lints every file; syntax errors of all files are reported together (exit 2). */
export async function lintFiles(files: readonly string[], pgVersion: number | undefined): Promise<LintedFile[]> {
  const parser = (await import(CONTROL_PLANE)) as SqlParserModule;
  await parser.loadSqlParser();
  const problems: Problem[] = [];
  const linted: LintedFile[] = [];
  for (const file of files) {
    const text = await readSql(file);
    try {
      const statements = parser.parseMigrationSql(text, file);
      linted.push({ file, result: lintStatements(statements, pgVersion === undefined ? {} : { pgVersion }) });
    } catch (error) {
      if (!isSluiceError(error) || error.problems.length === 0) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) {
    const count = `${problems.length} SQL syntax ${problems.length === 1 ? 'error' : 'errors'}`;
    throw new SluiceError(ErrorCode.INVALID_SPEC, count, { problems });
  }
  return linted;
}

async function readSql(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `cannot read ${file}: ${reason}`, { problems: [{ file, message: reason }] });
  }
}
