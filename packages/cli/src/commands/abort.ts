import type { Command } from 'commander';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { commandResultLine } from '../render/status-view.js';

interface AbortOptions {
  readonly reason?: string;
  readonly force?: boolean;
}

export function registerAbort(program: Command, ctx: CommandContext): void {
  program
    .command('abort')
    .description('stop a rollout and send all traffic back to the stable version')
    .argument('<rollout>', 'rollout name')
    .option('--reason <text>', 'why, recorded in the release history')
    .option('--force', 'abort even past the point of no return (traffic returns to stable; what the irreversible step did stays)')
    .action(async (name: string, options: AbortOptions) => {
      const view = await ctx.client().abort(name, options.reason, options.force === true);
      writeLine(ctx.io.stdout, commandResultLine(view, 'abort'));
    });
}
