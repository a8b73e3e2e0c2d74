import { InvalidArgumentError, type Command } from 'commander';
import { isTerminal, Phase } from '@sluice/domain';
import type { RolloutView } from '../api-types.js';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { ExitCode } from '../report-error.js';
import { eventLine } from '../render/event-line.js';
import { LiveFrame } from '../render/live-frame.js';
import { newEvents, renderStatus, stepLine, summaryLine } from '../render/status-view.js';

interface StatusOptions {
  readonly watch?: boolean;
  readonly interval: number;
}

export function registerStatus(program: Command, ctx: CommandContext): void {
  program
    .command('status')
    .description('show a rollout: phase, step, traffic split, pause countdown, recent events')
    .argument('<rollout>', 'rollout name')
    .option('-w, --watch', 'keep watching until the rollout finishes (exit 0 when it succeeds, 1 otherwise)')
    .option('--interval <ms>', 'poll interval in milliseconds for --watch', parseInterval, 1000)
    .action(async (name: string, options: StatusOptions) => {
      if (options.watch) {
        ctx.exitCode = await watchRollout(ctx, name, options.interval);
        return;
      }
      const view = await ctx.client().getRollout(name);
      for (const line of renderStatus(view, ctx.now())) writeLine(ctx.io.stdout, line);
    });
}

function parseInterval(text: string): number {
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 1 || ms > 3_600_000) {
    throw new InvalidArgumentError('expected a whole number of milliseconds from 1 to 3600000');
  }
  return ms;
}

/** Polls until the rollout reaches a terminal phase; returns 0 for Succeeded, 1 for Aborted or Failed. */
export async function watchRollout(ctx: CommandContext, name: string, intervalMs: number): Promise<ExitCode> {
  const { io } = ctx;
  const draw = io.isTTY && io.columns > 0 ? liveRenderer(ctx) : plainRenderer(ctx);
  for (;;) {
    const view = await ctx.client().getRollout(name);
    draw(view);
    if (isTerminal(view.status.phase)) {
      return view.status.phase === Phase.Succeeded ? ExitCode.Ok : ExitCode.Failed;
    }
    await ctx.sleep(intervalMs);
  }
}

function liveRenderer(ctx: CommandContext): (view: RolloutView) => void {
  const frame = new LiveFrame(ctx.io.stdout, ctx.io.columns);
  return (view) => frame.draw(renderStatus(view, ctx.now()));
}

/** For logs and pipes: new events as they arrive, and a state line whenever phase, step or weight moves. */
function plainRenderer(ctx: CommandContext): (view: RolloutView) => void {
  let lastState: string | undefined;
  let lastSeq: number | undefined;
  return (view) => {
    const events = newEvents(view, lastSeq ?? Number.POSITIVE_INFINITY);
    // The first poll shows the state only: the events before it are history, not news.
    if (lastSeq === undefined) lastSeq = Math.max(0, ...(view.events ?? []).map((e) => e.seq));
    for (const event of events) {
      writeLine(ctx.io.stdout, eventLine(event));
      lastSeq = Math.max(lastSeq, event.seq);
    }
    const state = `${view.status.phase}|${stepLine(view)}|${view.status.canaryWeight}`;
    if (state !== lastState) {
      writeLine(ctx.io.stdout, summaryLine(view, ctx.now()));
      lastState = state;
    }
  };
}
