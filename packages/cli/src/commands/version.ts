import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';

/** The CLI's own version, from packages/cli/package.json (two levels up from src/commands and dist/commands). */
export function cliVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function registerVersion(program: Command, ctx: CommandContext): void {
  program
    .command('version')
    .description('print the version of this sluice command')
    .action(() => {
      writeLine(ctx.io.stdout, `sluice ${cliVersion()} (node ${process.version})`);
    });
}
