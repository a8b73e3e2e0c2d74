import type { Command } from 'commander';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { toJson } from '../output-format.js';

export function registerSchema(program: Command, ctx: CommandContext): void {
  program
    .command('schema')
    .description('print the JSON Schema of Service and Rollout documents (for editor completion); works offline')
    .action(async () => {
      // Lazy: zod and yaml cost more start-up time than every other command needs.
      const { resourceJsonSchema } = await import('@sluice/spec');
      writeLine(ctx.io.stdout, toJson(resourceJsonSchema()));
    });
}
