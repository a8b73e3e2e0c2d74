import type { Command } from 'commander';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { outputOption, toJson, type OutputFormat } from '../output-format.js';
import { decisionTable } from '../render/decision-table.js';

interface ExplainOptions {
  readonly output: OutputFormat;
}

export function registerExplain(program: Command, ctx: CommandContext): void {
  program
    .command('explain')
    .description('why a rollout went on or stopped: every measurement and verdict, checklist change, approval and load run, oldest first')
    .argument('<rollout>', 'rollout name')
    .addOption(outputOption())
    .action(async (name: string, options: ExplainOptions) => {
      const log = await ctx.client().decisions(name);
      if (options.output === 'json') {
        writeLine(ctx.io.stdout, toJson(log));
        return;
      }
      if (log.decisions.length === 0) {
        writeLine(ctx.io.stderr, `No decisions recorded for rollout ${name} yet.`);
        return;
      }
      for (const line of decisionTable(log.decisions)) writeLine(ctx.io.stdout, line);
    });
}
