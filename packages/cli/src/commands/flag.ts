import type { Command } from 'commander';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { FlagEnvironmentChange, FlagView } from '../api-types.js';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { outputOption, toJson, type OutputFormat } from '../output-format.js';
import { environmentCell, evaluationLines, flagDetails, flagHistoryTable, flagsTable, formatPercent, sortEnvironments, staleTable, variantWeightsText } from '../render/flag-view.js';
import { ExitCode } from '../report-error.js';
import { parseContext, parseEnvironment, parsePercent, parsePositive, parseWeights } from './flag-args.js';

interface OutputOptions {
  readonly output: OutputFormat;
}

interface ChangeOptions {
  readonly env: string;
  readonly reason?: string;
}

interface EvalOptions extends OutputOptions {
  readonly env: string;
  readonly user?: string;
  readonly context?: Record<string, unknown>;
}

const ENV_HELP = 'the environment, e.g. development, staging or production';
const REASON_HELP = 'why, recorded in the flag history';

function print(ctx: CommandContext, lines: readonly string[]): void {
  for (const line of lines) writeLine(ctx.io.stdout, line);
}

export function registerFlag(program: Command, ctx: CommandContext): void {
  const flag = program
    .command('flag')
    .alias('flags')
    .description('read and change feature flags (apply a Flag resource to create one); `sluice flags` lists them');
  registerReads(flag, ctx);
  registerChanges(flag, ctx);
  registerSafety(flag, ctx);
  registerEval(flag, ctx);
}

function registerReads(flag: Command, ctx: CommandContext): void {
  flag
    .command('list', { isDefault: true })
    .description('every flag: kind, type and, per environment, on with its default rollout, or off')
    .addOption(outputOption())
    .action(async (options: OutputOptions) => {
      const flags = await ctx.client().listFlags();
      if (options.output === 'json') writeLine(ctx.io.stdout, toJson({ items: flags }));
      else if (flags.length === 0) writeLine(ctx.io.stderr, 'No flags found.');
      else print(ctx, flagsTable(flags));
    });
  flag
    .command('get')
    .description('one flag: description, owner, variants and, per environment, overrides, rules and default rollout')
    .argument('<name>', 'flag name')
    .addOption(outputOption())
    .action(async (name: string, options: OutputOptions) => {
      const view = await ctx.client().getFlag(name);
      if (options.output === 'json') writeLine(ctx.io.stdout, toJson(view));
      else print(ctx, flagDetails(view));
    });
  flag
    .command('history')
    .description("the flag's versions, newest first: who changed it, when, from which rollout and why")
    .argument('<name>', 'flag name')
    .option('--limit <n>', 'at most this many versions (default 100)', parsePositive)
    .addOption(outputOption())
    .action(async (name: string, options: OutputOptions & { limit?: number }) => {
      const items = await ctx.client().flagHistory(name, options.limit);
      if (options.output === 'json') writeLine(ctx.io.stdout, toJson({ items }));
      else print(ctx, flagHistoryTable(items));
    });
  flag
    .command('stale')
    .description('flags that have done their job (fully on or off for longer than their kind lives, or unused), with what to do about each')
    .option('--unused-days <n>', 'report flags no SDK evaluated for this many days (default 30)', parsePositive)
    .addOption(outputOption())
    .action(async (options: OutputOptions & { unusedDays?: number }) => {
      const report = await ctx.client().staleFlags(options.unusedDays);
      if (options.output === 'json') writeLine(ctx.io.stdout, toJson(report));
      else if (report.items.length === 0) writeLine(ctx.io.stderr, `No stale flags (unused means not evaluated for ${report.unusedDays} days).`);
      else print(ctx, staleTable(report));
    });
}

/** "flag new-checkout in production: on 25% (version 4)". */
async function change(ctx: CommandContext, name: string, options: ChangeOptions, body: FlagEnvironmentChange, weights = false): Promise<FlagView> {
  const view = await ctx.client().changeFlag(name, options.env, { ...body, ...(options.reason === undefined ? {} : { reason: options.reason }) });
  const variants = weights ? `, variants ${variantWeightsText(view, options.env)}` : '';
  writeLine(ctx.io.stdout, `flag ${view.name} in ${options.env}: ${environmentCell(view, options.env)}${variants} (version ${view.version})`);
  return view;
}

function changeCommand(flag: Command, name: string, description: string): Command {
  return flag
    .command(name)
    .description(description)
    .argument('<name>', 'flag name')
    .requiredOption('--env <environment>', ENV_HELP, parseEnvironment)
    .option('--reason <text>', REASON_HELP);
}

function registerChanges(flag: Command, ctx: CommandContext): void {
  changeCommand(flag, 'on', 'turn the flag on in one environment (its rules and default rollout decide who gets it)').action(async (name: string, options: ChangeOptions) => {
    await change(ctx, name, options, { enabled: true });
  });
  changeCommand(flag, 'off', 'turn the flag off in one environment: nobody there gets it').action(async (name: string, options: ChangeOptions) => {
    await change(ctx, name, options, { enabled: false });
  });
  changeCommand(flag, 'rollout', "set the percent of users no override or rule matched who get the flag in one environment")
    .argument('<percent>', 'a percent from 0 to 100, decimals allowed (e.g. 12.5)', parsePercent)
    .action(async (name: string, rollout: number, options: ChangeOptions) => {
      const view = await change(ctx, name, options, { rollout });
      if (!view.environments[options.env]?.enabled) {
        writeLine(ctx.io.stderr, `note: the flag is off in ${options.env}, so nobody gets it yet: \`sluice flag on ${view.name} --env ${options.env}\` turns it on for ${formatPercent(rollout)}`);
      }
    });
  changeCommand(flag, 'weights', "set the weights of the flag's variants in one environment")
    .argument('<weights...>', 'variant=percent pairs that sum to 100, e.g. blue=50 green=50')
    .action(async (name: string, pairs: string[], options: ChangeOptions) => {
      await change(ctx, name, options, { variantWeights: parseWeights(pairs) }, true);
    });
}

function registerSafety(flag: Command, ctx: CommandContext): void {
  flag
    .command('kill')
    .description('the kill switch: turn the flag off in every environment at once')
    .argument('<name>', 'flag name')
    .option('--reason <text>', REASON_HELP)
    .action(async (name: string, options: { reason?: string }) => {
      const before = await ctx.client().getFlag(name);
      const wasOn = sortEnvironments(Object.keys(before.environments)).filter((e) => before.environments[e]?.enabled);
      const view = await ctx.client().killFlag(name, options.reason);
      const what = wasOn.length > 0 ? `off in ${wasOn.join(', ')}` : 'it was already off in every environment';
      writeLine(ctx.io.stdout, `flag ${view.name} killed: ${what} (version ${view.version})`);
    });
  flag
    .command('restore')
    .description('make an earlier version of the flag current again, as a new version (`sluice flag history NAME` lists them)')
    .argument('<name>', 'flag name')
    .argument('<version>', 'the version to restore', parsePositive)
    .option('--reason <text>', REASON_HELP)
    .action(async (name: string, version: number, options: { reason?: string }) => {
      const view = await ctx.client().restoreFlag(name, version, options.reason);
      const envs = sortEnvironments(Object.keys(view.environments)).map((e) => `${e} ${environmentCell(view, e)}`);
      writeLine(ctx.io.stdout, `flag ${view.name} restored to version ${version}: now version ${view.version}${envs.length > 0 ? ` (${envs.join(', ')})` : ''}`);
    });
}

function registerEval(flag: Command, ctx: CommandContext): void {
  flag
    .command('eval')
    .description('evaluate the flag on the server for one user or context: enabled, variant, value and why')
    .argument('<name>', 'flag name')
    .requiredOption('--env <environment>', ENV_HELP, parseEnvironment)
    .option('--user <id>', 'the userId to evaluate for')
    .option('--context <json>', 'the evaluation context as JSON, e.g. \'{"properties":{"plan":"pro"}}\'', parseContext)
    .addOption(outputOption())
    .action(async (name: string, options: EvalOptions) => {
      const context = { ...options.context, ...(options.user === undefined ? {} : { userId: options.user }) };
      const result = await ctx.client().evaluateFlag(name, options.env, Object.keys(context).length > 0 ? context : undefined);
      if (result.errorCode === 'FLAG_NOT_FOUND') {
        throw new SluiceError(ErrorCode.NOT_FOUND, `Flag "${name}" does not exist in environment ${options.env}`, { problems: [{ message: 'no such flag', expected: 'the name of a flag (sluice flags lists them)' }] });
      }
      if (options.output === 'json') writeLine(ctx.io.stdout, toJson(result));
      else print(ctx, evaluationLines(result));
      if (result.errorCode !== undefined) ctx.exitCode = ExitCode.Failed;
    });
}
