import type { Command } from 'commander';
import type { ApplyResponse } from '../api-types.js';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { readSpecFiles } from '../spec-files.js';

interface ApplyOptions {
  readonly filename: string[];
  readonly dryRun?: boolean;
}

export function registerApply(program: Command, ctx: CommandContext): void {
  program
    .command('apply')
    .description('create or update services and rollouts from YAML files; all files apply together or not at all')
    .requiredOption('-f, --filename <file...>', 'spec file (- reads stdin); repeat for several files')
    .option('--dry-run', 'run every check the server makes, change nothing')
    .action(async (options: ApplyOptions) => {
      const files = await readSpecFiles(options.filename, ctx.io);
      const response = await ctx.client().apply(files, options.dryRun === true);
      for (const line of applyLines(response)) writeLine(ctx.io.stdout, line);
    });
}

/** kubectl style: "service/shop created", "rollout/shop-v2 unchanged (dry run)". */
export function applyLines(response: ApplyResponse): string[] {
  const suffix = response.dryRun ? ' (dry run)' : '';
  return response.results.map((r) => `${r.kind.toLowerCase()}/${r.name} ${r.action}${suffix}`);
}
