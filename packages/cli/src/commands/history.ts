import type { Command } from 'commander';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { outputOption, toJson, type OutputFormat } from '../output-format.js';
import { historyCells } from '../render/event-line.js';
import { renderTable } from '../render/table.js';

interface HistoryOptions {
  readonly output: OutputFormat;
}

export function registerHistory(program: Command, ctx: CommandContext): void {
  program
    .command('history')
    .description('every change to a service and its rollouts, oldest first: who, what, from → to, why')
    .argument('<service>', 'service name')
    .addOption(outputOption())
    .action(async (name: string, options: HistoryOptions) => {
      const items = await ctx.client().serviceHistory(name);
      if (options.output === 'json') {
        writeLine(ctx.io.stdout, toJson({ items }));
        return;
      }
      if (items.length === 0) {
        writeLine(ctx.io.stderr, `No history for service ${name}.`);
        return;
      }
      const sorted = [...items].sort((a, b) => a.seq - b.seq);
      for (const line of renderTable(undefined, sorted.map(historyCells))) writeLine(ctx.io.stdout, line);
    });
}
