import type { Command } from 'commander';
import { ErrorCode, isSluiceError } from '@sluice/domain';
import type { RevisionView } from '../api-types.js';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { outputOption, toJson, type OutputFormat } from '../output-format.js';
import { historyCells } from '../render/event-line.js';
import { revisionsTable } from '../render/revision-table.js';
import { renderTable } from '../render/table.js';

interface HistoryOptions {
  readonly output: OutputFormat;
}

export function registerHistory(program: Command, ctx: CommandContext): void {
  program
    .command('history')
    .description('the revisions of a service (which `undo` may return to), then every change to it and its rollouts, oldest first: who, what, from → to, why')
    .argument('<service>', 'service name')
    .addOption(outputOption())
    .action(async (name: string, options: HistoryOptions) => {
      const items = await ctx.client().serviceHistory(name);
      const revisions = await revisionsOf(ctx, name);
      if (options.output === 'json') {
        writeLine(ctx.io.stdout, toJson({ revisions, items }));
        return;
      }
      if (items.length === 0 && revisions.length === 0) {
        writeLine(ctx.io.stderr, `No history for service ${name}.`);
        return;
      }
      if (revisions.length > 0) {
        for (const line of revisionsTable(revisions)) writeLine(ctx.io.stdout, line);
        if (items.length > 0) writeLine(ctx.io.stdout, '');
      }
      const sorted = [...items].sort((a, b) => a.seq - b.seq);
      for (const line of renderTable(undefined, sorted.map(historyCells))) writeLine(ctx.io.stdout, line);
    });
}

/** The service's revisions; none from a control plane that predates them (its answer is NOT_FOUND). */
async function revisionsOf(ctx: CommandContext, name: string): Promise<readonly RevisionView[]> {
  try {
    return await ctx.client().serviceRevisions(name);
  } catch (error) {
    if (isSluiceError(error) && error.code === ErrorCode.NOT_FOUND) return [];
    throw error;
  }
}
