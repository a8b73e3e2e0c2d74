import type { Command } from 'commander';
import { renderExperimentTable } from '@sluice/domain';
import type { ExperimentView } from '../api-types.js';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { outputOption, toJson, type OutputFormat } from '../output-format.js';
import { renderTable } from '../render/table.js';
import { formatAge } from '../render/time.js';

interface ReportOptions {
  readonly output: OutputFormat;
}

interface StopOptions {
  readonly reason?: string;
}

interface PromoteOptions {
  readonly variant?: string;
  readonly force?: boolean;
}

/** "winner: treatment", "no difference", "inconclusive". */
function resultText(view: ExperimentView): string {
  const { report } = view;
  return report.result === 'winner' ? `winner: ${report.winner ?? '?'}` : report.result;
}

/** "control 50% / treatment 50%". */
const variantsText = (view: ExperimentView): string => view.spec.variants.map((v) => `${v.name} ${v.weight}%`).join(' / ');

/** `sluice get experiments`: one line per experiment. */
export function experimentsTable(experiments: readonly ExperimentView[], now: number): string[] {
  const rows = experiments.map((e) => [
    e.name,
    e.spec.service ?? '-',
    e.status.phase,
    variantsText(e),
    e.spec.primaryMetric.name,
    String(e.users),
    e.status.phase === 'Promoted' ? `promoted ${e.status.promoted?.variant ?? '?'}` : resultText(e),
    formatAge(now - e.status.startedAt),
  ]);
  return renderTable(['NAME', 'SERVICE', 'PHASE', 'VARIANTS', 'PRIMARY', 'USERS', 'RESULT', 'AGE'], rows);
}

export function registerExperiment(program: Command, ctx: CommandContext): void {
  const experiment = program.command('experiment').description('read, stop or promote an A/B experiment (apply an Experiment resource to start one)');
  experiment
    .command('report')
    .description('the result, the sample-ratio check, the samples per variant and every metric against the control')
    .argument('<name>', 'experiment name')
    .addOption(outputOption())
    .action(async (name: string, options: ReportOptions) => {
      const view = await ctx.client().getExperiment(name);
      if (options.output === 'json') writeLine(ctx.io.stdout, toJson(view.report));
      else ctx.io.stdout.write(`Phase: ${view.status.phase}${view.status.promoted ? ` (${view.status.promoted.variant} promoted)` : ''}. Users: ${view.users}.\n${renderExperimentTable(view.report)}`);
    });
  experiment
    .command('stop')
    .description('stop counting events; an experiment of versions gives the traffic back to the stable version')
    .argument('<name>', 'experiment name')
    .option('--reason <text>', 'why, recorded in the history')
    .action(async (name: string, options: StopOptions) => {
      const view = await ctx.client().stopExperiment(name, options.reason);
      writeLine(ctx.io.stdout, `experiment/${view.name} stopped: ${resultText(view)}`);
    });
  experiment
    .command('promote')
    .description("promote the winner: for an experiment of versions its version becomes the service's stable version at once")
    .argument('<name>', 'experiment name')
    .option('--variant <name>', 'the variant to promote (default: the winner)')
    .option('--force', 'promote a variant the report does not name the winner')
    .action(async (name: string, options: PromoteOptions) => {
      const view = await ctx.client().promoteExperiment(name, { variant: options.variant, force: options.force === true });
      const promoted = view.status.promoted;
      const version = promoted?.version === undefined ? '' : `: ${view.spec.service ?? '?'} serves ${promoted.version} as its stable version`;
      writeLine(ctx.io.stdout, `experiment/${view.name} promoted ${promoted?.variant ?? '?'}${promoted?.forced ? ' (forced)' : ''}${version}`);
    });
}
