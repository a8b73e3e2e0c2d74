import { Command, CommanderError } from 'commander';
import { processIo, type CliIo } from './cli-io.js';
import { CommandContext } from './command-context.js';
import { registerAbort } from './commands/abort.js';
import { registerApply } from './commands/apply.js';
import { registerApprove } from './commands/approve.js';
import { registerExperiment } from './commands/experiment.js';
import { registerExplain } from './commands/explain.js';
import { registerFlag } from './commands/flag.js';
import { registerGet } from './commands/get.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPauseResume } from './commands/pause.js';
import { registerHistory } from './commands/history.js';
import { registerPromote } from './commands/promote.js';
import { registerProxy } from './commands/proxy.js';
import { registerReject } from './commands/reject.js';
import { registerRollout } from './commands/rollout-run.js';
import { registerSchema } from './commands/schema.js';
import { registerServer } from './commands/server.js';
import { registerStatus } from './commands/status.js';
import { registerToken } from './commands/token.js';
import { registerUndo } from './commands/undo.js';
import { registerValidate } from './commands/validate.js';
import { cliVersion, registerVersion } from './commands/version.js';
import { ExitCode, reportError } from './report-error.js';

const HELP_FOOTER = `
Environment:
  SLUICE_URL      control plane address (default http://127.0.0.1:7070)
  SLUICE_ACTOR    name recorded in release history (default: your OS user)
  SLUICE_TOKEN    API token when the control plane runs with --auth (or --token)
  SLUICE_DEBUG=1  print stack traces for unexpected errors

Exit codes: 0 ok, 1 the operation failed (or the rollout rolled back), 2 bad usage or bad input, 3 rollout run --wait timed out, 130 interrupted.`;

/** Builds a fresh program: commander keeps state between parses, so every run gets its own. */
export function buildProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const program = new Command('sluice')
    .description('Progressive delivery you can run on a laptop: canary releases, verified step by step, reversible in seconds.')
    .version(cliVersion(), '-V, --version', 'print the version')
    // Settings made before .command() are inherited by every subcommand.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => io.columns || 80,
      getErrHelpWidth: () => io.columns || 80,
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', HELP_FOOTER)
    .option('--token <token>', 'API token for a control plane run with --auth (env SLUICE_TOKEN)')
    .hook('preAction', () => {
      ctx.tokenOption = (program.opts() as { token?: string }).token;
    });
  registerServer(program, ctx);
  registerApply(program, ctx);
  registerValidate(program, ctx);
  registerSchema(program, ctx);
  registerGet(program, ctx);
  registerStatus(program, ctx);
  registerPromote(program, ctx);
  registerAbort(program, ctx);
  registerPauseResume(program, ctx);
  registerApprove(program, ctx);
  registerReject(program, ctx);
  registerExplain(program, ctx);
  registerHistory(program, ctx);
  registerUndo(program, ctx);
  registerRollout(program, ctx);
  registerExperiment(program, ctx);
  registerFlag(program, ctx);
  registerProxy(program, ctx);
  registerMigrate(program, ctx);
  registerToken(program, ctx);
  registerVersion(program, ctx);
  return program;
}

/**
 * Runs the sluice command line and resolves to the exit code; never throws and never calls
 * process.exit, so tests run it in-process with an injected `io`.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const ctx = new CommandContext(io);
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'node' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error);
    return reportError(io, error);
  }
}

/** Commander has already printed its message; only the code is left to decide. */
function commanderExitCode(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.Ok;
  if (error.code === 'commander.help' && error.exitCode === 0) return ExitCode.Ok;
  return ExitCode.Usage;
}
