import type { Command } from 'commander';
import { ErrorCode, isSluiceError, SluiceError, type Problem } from '@sluice/domain';
import type { SpecFile } from '../api-types.js';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { readSpecFiles } from '../spec-files.js';

interface ValidateOptions {
  readonly filename: string[];
}

export function registerValidate(program: Command, ctx: CommandContext): void {
  program
    .command('validate')
    .description('check spec files: syntax and schema offline, then references with a server dry run when one is reachable')
    .requiredOption('-f, --filename <file...>', 'spec file (- reads stdin); repeat for several files')
    .action(async (options: ValidateOptions) => {
      const files = await readSpecFiles(options.filename, ctx.io);
      const counts = await checkOffline(files);
      await checkOnServer(ctx, files);
      for (const file of files) {
        const n = counts.get(file.name) ?? 0;
        writeLine(ctx.io.stdout, `${file.name}: ${n} ${n === 1 ? 'resource' : 'resources'} valid`);
      }
    });
}

/** Parses every file, collecting the problems of all of them; returns the resource count per file. */
export async function checkOffline(files: readonly SpecFile[]): Promise<Map<string, number>> {
  // Lazy: zod and yaml cost more start-up time than every other command needs.
  const { parseResources } = await import('@sluice/spec');
  const counts = new Map<string, number>();
  const problems: Problem[] = [];
  const failed: string[] = [];
  for (const file of files) {
    try {
      counts.set(file.name, parseResources(file.text, { file: file.name }).length);
    } catch (error) {
      if (!isSluiceError(error) || error.problems.length === 0) throw error;
      problems.push(...error.problems);
      failed.push(file.name);
    }
  }
  if (problems.length > 0) {
    const count = `${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}`;
    throw new SluiceError(ErrorCode.INVALID_SPEC, `${count} in ${failed.join(', ')}`, { problems });
  }
  return counts;
}

/** The references (rollout → service, target → version) need the server's state: ask it for a dry run. */
async function checkOnServer(ctx: CommandContext, files: readonly SpecFile[]): Promise<void> {
  try {
    await ctx.client().apply(files, true);
  } catch (error) {
    if (!isSluiceError(error) || error.code !== ErrorCode.UNREACHABLE) throw error;
    writeLine(ctx.io.stderr, `note: checked syntax and schema only: control plane not reachable at ${ctx.client().baseUrl}`);
  }
}
