import type { Command } from 'commander';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { commandResultLine } from '../render/status-view.js';

interface RejectOptions {
  readonly comment?: string;
}

export function registerReject(program: Command, ctx: CommandContext): void {
  program
    .command('reject')
    .description('reject a rollout: it aborts and all traffic returns to the stable version')
    .argument('<rollout>', 'rollout name')
    .option('--comment <text>', 'why, recorded in the release history (at most 2000 characters)')
    .action(async (name: string, options: RejectOptions) => {
      const view = await ctx.client().reject(name, options.comment);
      writeLine(ctx.io.stdout, commandResultLine(view, 'reject'));
    });
}
