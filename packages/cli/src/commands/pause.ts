import type { Command } from 'commander';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { commandResultLine } from '../render/status-view.js';

interface PauseOptions {
  readonly reason?: string;
}

interface ResumeOptions {
  readonly comment?: string;
}

/** `sluice pause ROLLOUT [--reason TEXT]` and `sluice resume ROLLOUT [--comment TEXT]`. */
export function registerPauseResume(program: Command, ctx: CommandContext): void {
  program
    .command('pause')
    .description('hold a rollout where it is: no step advances (nor a pause step ends) until resume; the guardian and abort still act')
    .argument('<rollout>', 'rollout name')
    .option('--reason <text>', 'why, recorded in the release history (at most 1000 characters)')
    .action(async (name: string, options: PauseOptions) => {
      const view = await ctx.client().pause(name, options.reason);
      writeLine(ctx.io.stdout, commandResultLine(view, 'pause'));
    });
  program
    .command('resume')
    .description('release a pause made with `sluice pause`: the rollout goes on')
    .argument('<rollout>', 'rollout name')
    .option('--comment <text>', 'why, recorded in the release history (at most 2000 characters)')
    .action(async (name: string, options: ResumeOptions) => {
      const view = await ctx.client().resume(name, options.comment);
      writeLine(ctx.io.stdout, commandResultLine(view, 'resume'));
    });
}
