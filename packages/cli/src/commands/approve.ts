import type { Command } from 'commander';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { commandResultLine } from '../render/status-view.js';

interface ApproveOptions {
  readonly comment?: string;
  readonly item?: string;
}

export function registerApprove(program: Command, ctx: CommandContext): void {
  program
    .command('approve')
    .description('approve the approval step a rollout waits at, or confirm a checklist instruction (--item)')
    .argument('<rollout>', 'rollout name')
    .option('--comment <text>', 'why, recorded with the approval (at most 2000 characters)')
    .option('--item <name>', 'the checklist item to confirm (needed when several wait)')
    .action(async (name: string, options: ApproveOptions) => {
      const view = await ctx.client().approve(name, { comment: options.comment, item: options.item });
      writeLine(ctx.io.stdout, commandResultLine(view, 'approve'));
    });
}
