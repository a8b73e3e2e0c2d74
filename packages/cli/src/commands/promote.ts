import type { Command } from 'commander';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { commandResultLine } from '../render/status-view.js';

interface PromoteOptions {
  readonly full?: boolean;
}

export function registerPromote(program: Command, ctx: CommandContext): void {
  program
    .command('promote')
    .description('end the current pause of a rollout; --full skips every remaining step')
    .argument('<rollout>', 'rollout name')
    .option('--full', 'skip every remaining step and make the target stable now')
    .action(async (name: string, options: PromoteOptions) => {
      const view = await ctx.client().promote(name, options.full === true);
      writeLine(ctx.io.stdout, commandResultLine(view, options.full ? 'full promote' : 'promote'));
    });
}
