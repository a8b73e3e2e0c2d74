import type { Command } from 'commander';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { registerProxyServe } from './proxy-serve.js';

export function registerProxy(program: Command, ctx: CommandContext): void {
  const proxy = program.command('proxy').description('the built-in data plane');
  proxy
    .command('restart')
    .description('replace every proxy worker, one at a time, without refusing a connection (needs --proxy-workers)')
    .action(async () => {
      const result = await ctx.client().restartProxy();
      writeLine(ctx.io.stdout, `proxy restarted (${result.router}) in ${result.ms} ms`);
    });
  registerProxyServe(proxy, ctx);
}
