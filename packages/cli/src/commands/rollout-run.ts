import { Option, type Command } from 'commander';
import { ErrorCode, formatDuration, SluiceError, type ReleaseEvent } from '@sluice/domain';
import type { ApplyResponse, RolloutView, SpecFile } from '../api-types.js';
import { writeLine, type TextSink } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { toJson } from '../output-format.js';
import { ExitCode } from '../report-error.js';
import { progressOf, runLogLine, waitLogLine, type RunProgress } from '../render/run-log.js';
import { leftRunningHint, outcomeOf, rollbackReason, rolledBackLine, runReport, standingText, succeededLine, type RunOutcome } from '../render/run-summary.js';
import { readSpecFiles } from '../spec-files.js';
import { applyLines } from './apply.js';
import { RolloutFollower } from './rollout-follow.js';
import { DEFAULT_RUN_TIMEOUT_MS, parseRunTimeout } from './run-timeout.js';

/** The exit codes of `rollout run`: report-error.ts's 0–2, plus a timeout and an interrupt. */
export const RunExit = { Succeeded: ExitCode.Ok, RolledBack: ExitCode.Failed, Usage: ExitCode.Usage, Timeout: ExitCode.Timeout, Interrupted: ExitCode.Interrupted } as const;
type RunExit = (typeof RunExit)[keyof typeof RunExit];

interface RunOptions {
  readonly filename: string[];
  readonly wait?: boolean;
  readonly timeout?: number;
  readonly output: 'text' | 'json';
}

const EXIT_HELP = `
Exit codes:
  0    applied (without --wait), or the rollout Succeeded
  1    the rollout ended Aborted or Failed (traffic rolled back), or the control plane failed the request
  2    bad usage or bad input: the files were refused, or they hold no Rollout or several
  3    --timeout passed first: the rollout keeps running
  130  interrupted (Ctrl-C): the rollout keeps running

With -o json, stdout carries only the final JSON object; progress lines go to stderr.`;

export function registerRollout(program: Command, ctx: CommandContext): void {
  const rollout = program.command('rollout').description('run a rollout from CI: apply it and follow it to the end');
  rollout
    .command('run')
    .description('apply files holding one Rollout and, with --wait, follow it until it ends; the exit code says how it ended')
    .requiredOption('-f, --filename <file...>', 'spec file (- reads stdin); repeat for several files, all applied or none')
    .option('--wait', 'follow the rollout until it succeeds, rolls back or --timeout passes')
    .option('--timeout <duration>', `with --wait: how long to follow, like 90s, 30m or 2h, at most 24h (default ${formatDuration(DEFAULT_RUN_TIMEOUT_MS)})`, parseRunTimeout)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', EXIT_HELP)
    .action(async (options: RunOptions) => {
      ctx.exitCode = await runRollout(ctx, options);
    });
}

/** Applies, then follows the rollout when asked; answers the exit code. API errors are thrown to main. */
export async function runRollout(ctx: CommandContext, options: RunOptions): Promise<RunExit> {
  if (options.timeout !== undefined && options.wait !== true) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, '--timeout applies only with --wait: add --wait to follow the rollout, or leave --timeout out');
  }
  const json = options.output === 'json';
  const started = ctx.now();
  const files = await readSpecFiles(options.filename, ctx.io);
  const client = ctx.client();
  rolloutOf(await client.apply(files, true), files);
  const after = (await client.events({ order: 'desc', limit: 1 }))[0]?.seq ?? 0;
  const applied = await client.apply(files, false);
  const result = rolloutOf(applied, files);
  const notes = options.wait === true && !json ? ctx.io.stdout : ctx.io.stderr;
  for (const line of applyLines(applied)) writeLine(notes, line);
  const view = await client.getRollout(result.name);
  if (options.wait !== true) {
    if (json) writeLine(ctx.io.stdout, toJson({ rollout: view.name, service: view.spec.service, phase: view.status.phase, applied: applied.results }));
    else writeLine(ctx.io.stdout, view.name);
    return RunExit.Succeeded;
  }
  const progress = result.action === 'created' ? { ...progressOf(view), step: Math.min(1, view.steps.length), weight: 0 } : progressOf(view);
  return follow(ctx, { view, progress, after, started, json, timeoutMs: options.timeout ?? DEFAULT_RUN_TIMEOUT_MS });
}

/** The one Rollout of the apply; a usage error naming the files when there is none or several. */
function rolloutOf(response: ApplyResponse, files: readonly SpecFile[]): ApplyResponse['results'][number] {
  const rollouts = response.results.filter((r) => r.kind === 'Rollout');
  const [only] = rollouts;
  if (rollouts.length === 1 && only !== undefined) return only;
  const where = files.map((f) => f.name).join(', ');
  const found =
    rollouts.length === 0
      ? `none (they hold ${response.results.map((r) => `${r.kind.toLowerCase()}/${r.name}`).join(', ') || 'no resources'})`
      : `${rollouts.length} (${rollouts.map((r) => `rollout/${r.name}`).join(', ')})`;
  const fix = rollouts.length === 0 ? 'add a Rollout, or use `sluice apply` for files without one' : 'run one rollout per `sluice rollout run`, and apply the others with `sluice apply`';
  return failUsage(`${where}: expected exactly one Rollout, found ${found}: ${fix}`);
}

function failUsage(message: string): never {
  throw new SluiceError(ErrorCode.INVALID_REQUEST, message, { details: { nothingApplied: true } });
}

interface FollowInput {
  readonly view: RolloutView;
  readonly progress: RunProgress;
  readonly after: number;
  readonly started: number;
  readonly json: boolean;
  readonly timeoutMs: number;
}

async function follow(ctx: CommandContext, input: FollowInput): Promise<RunExit> {
  const { io } = ctx;
  const progressSink: TextSink = input.json ? io.stderr : io.stdout;
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort('timeout'), input.timeoutMs);
  const onSigint = () => stop.abort('interrupt');
  process.once('SIGINT', onSigint);
  const follower = new RolloutFollower({
    client: ctx.client(),
    initial: input.view,
    progress: input.progress,
    after: input.after,
    signal: stop.signal,
    onEvent: (event, progress) => writeLine(progressSink, runLogLine(event, progress)),
    onWait: (wait, progress) => writeLine(progressSink, waitLogLine(wait, progress, ctx.now())),
    onNote: (note) => writeLine(io.stderr, `note: ${note}`),
  });
  try {
    const end = await follower.run();
    if (end.kind === 'ended') return await finished(ctx, input, end.view, follower.events);
    return await stopped(ctx, input, follower, stop.signal.reason === 'interrupt');
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', onSigint);
  }
}

/** The rollout ended: 0 when it Succeeded, 1 when it rolled back (with the reason). */
async function finished(ctx: CommandContext, input: FollowInput, view: RolloutView, events: readonly ReleaseEvent[]): Promise<RunExit> {
  const durationMs = ctx.now() - input.started;
  const outcome: RunOutcome = outcomeOf(view) ?? 'rolled-back';
  let reason: string | undefined;
  if (outcome === 'rolled-back') {
    // A rollout that had already ended before this run (an unchanged apply) has no followed events.
    const history = events.some((e) => e.type === 'PhaseChanged') ? events : await ctx.client().rolloutEvents(view.name).catch(() => events);
    reason = rollbackReason(view, history);
  }
  if (input.json) writeLine(ctx.io.stdout, toJson(runReport({ view, outcome, durationMs, events, reason })));
  if (outcome === 'succeeded') {
    if (!input.json) writeLine(ctx.io.stdout, succeededLine(view, durationMs));
    return RunExit.Succeeded;
  }
  writeLine(ctx.io.stderr, `error: ${rolledBackLine(view, durationMs, reason ?? '')}`);
  return RunExit.RolledBack;
}

/** Following stopped first (timeout or Ctrl-C): the rollout keeps running; say where it stands and how to act. */
async function stopped(ctx: CommandContext, input: FollowInput, follower: RolloutFollower, interrupted: boolean): Promise<RunExit> {
  const durationMs = ctx.now() - input.started;
  const latest = await ctx.client().getRollout(input.view.name).catch(() => input.view);
  const name = latest.name;
  const standing = standingText(latest.status.phase, progressOf(latest), latest.spec.target);
  if (interrupted) {
    writeLine(ctx.io.stderr, `interrupted: stopped following rollout/${name}; the rollout keeps running (${standing}): ${leftRunningHint(name)}`);
    return RunExit.Interrupted;
  }
  const reason = `did not end within ${formatDuration(input.timeoutMs)}; the rollout keeps running (${standing})`;
  if (input.json) writeLine(ctx.io.stdout, toJson(runReport({ view: latest, outcome: 'timeout', durationMs, events: follower.events, reason })));
  writeLine(ctx.io.stderr, `error: rollout/${name} ${reason}: ${leftRunningHint(name)}`);
  return RunExit.Timeout;
}
