import { InvalidArgumentError, type Command } from 'commander';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { ServiceView } from '../api-types.js';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';

interface UndoOptions {
  readonly toRevision?: number;
  readonly wait: boolean;
  readonly timeout: number;
}

/** How often `undo` asks what the data plane serves while it waits. */
const POLL_MS = 100;

export function registerUndo(program: Command, ctx: CommandContext): void {
  program
    .command('undo')
    .description("make an earlier revision's version stable again, at once and without analysis (default: the revision before the current one)")
    .argument('<service>', 'service name')
    .option('--to-revision <n>', 'the revision to return to (`sluice history SERVICE` lists them)', parseRevision)
    .option('--no-wait', 'return once the change is recorded, without waiting for the data plane to serve it')
    .option('--timeout <seconds>', 'how long to wait for the data plane to serve the version', parseTimeout, 30)
    .action(async (name: string, options: UndoOptions) => {
      const view = await ctx.client().undo(name, options.toRevision);
      const back = options.toRevision === undefined ? 'the previous revision' : `revision ${options.toRevision}`;
      writeLine(ctx.io.stdout, `service/${view.name} undo to ${back} accepted: ${view.status.stable} is stable (revision ${view.status.revision})`);
      if (!options.wait) return;
      const served = await waitServed(ctx, view, options.timeout * 1000);
      writeLine(ctx.io.stdout, served ? `service/${view.name} serves ${view.status.stable} to 100% of users` : `service/${view.name}: what the data plane serves cannot be observed`);
    });
}

/** True once the data plane serves the service's stable version to everyone; undefined traffic ends the wait (false). */
async function waitServed(ctx: CommandContext, first: ServiceView, timeoutMs: number): Promise<boolean> {
  const deadline = ctx.now() + timeoutMs;
  let view = first;
  for (;;) {
    const traffic = view.traffic;
    if (traffic === undefined) return false;
    if (traffic.stable === view.status.stable && (traffic.canary === undefined || traffic.weight === 0)) return true;
    if (ctx.now() >= deadline) {
      throw new SluiceError(
        ErrorCode.ADAPTER_FAILED,
        `service/${view.name}: ${view.status.stable} is stable (revision ${view.status.revision}) but the data plane still serves ${traffic.stable} after ${timeoutMs / 1000}s; the controller retries by itself: \`sluice get services ${view.name}\` shows what it serves`,
      );
    }
    await ctx.sleep(POLL_MS);
    view = await ctx.client().getService(first.name);
  }
}

function parseRevision(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a revision number: a whole number from 1');
  return n;
}

function parseTimeout(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 3600) throw new InvalidArgumentError('expected a whole number of seconds from 1 to 3600');
  return n;
}
