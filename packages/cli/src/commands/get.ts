import type { Command } from 'commander';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { outputOption, toJson, type OutputFormat } from '../output-format.js';
import { rolloutsTable, segmentsTable, servicesTable } from '../render/resource-tables.js';

type ResourceKind = 'services' | 'rollouts' | 'segments';

const KIND_ALIASES: Readonly<Record<string, ResourceKind>> = {
  services: 'services',
  service: 'services',
  svc: 'services',
  rollouts: 'rollouts',
  rollout: 'rollouts',
  ro: 'rollouts',
  segments: 'segments',
  segment: 'segments',
  seg: 'segments',
};

const KINDS_HELP = 'services (service, svc), rollouts (rollout, ro) or segments (segment, seg)';

interface GetOptions {
  readonly output: OutputFormat;
  readonly service?: string;
}

export function registerGet(program: Command, ctx: CommandContext): void {
  program
    .command('get')
    .description('list services, rollouts or segments')
    .argument('<kind>', KINDS_HELP)
    .addOption(outputOption())
    .option('--service <name>', 'rollouts: only those of this service')
    .action(async (kindText: string, options: GetOptions) => {
      const kind = parseKind(kindText);
      const lines = kind === 'services' ? await getServices(ctx, options) : kind === 'rollouts' ? await getRollouts(ctx, options) : await getSegments(ctx, options);
      for (const line of lines) writeLine(ctx.io.stdout, line);
    });
}

export function parseKind(text: string): ResourceKind {
  const kind = KIND_ALIASES[text.toLowerCase()];
  if (kind === undefined) {
    throw new SluiceError(
      ErrorCode.INVALID_REQUEST,
      `unknown resource kind "${text}": expected ${KINDS_HELP}`,
    );
  }
  return kind;
}

async function getServices(ctx: CommandContext, options: GetOptions): Promise<string[]> {
  const items = await ctx.client().listServices();
  if (options.output === 'json') return [toJson({ items })];
  if (items.length === 0) return noneFound(ctx, 'services');
  return servicesTable(items);
}

async function getRollouts(ctx: CommandContext, options: GetOptions): Promise<string[]> {
  const items = await ctx.client().listRollouts(options.service);
  if (options.output === 'json') return [toJson({ items })];
  if (items.length === 0) return noneFound(ctx, 'rollouts');
  return rolloutsTable(items, ctx.now());
}

async function getSegments(ctx: CommandContext, options: GetOptions): Promise<string[]> {
  const items = await ctx.client().listSegments();
  if (options.output === 'json') return [toJson({ items })];
  if (items.length === 0) return noneFound(ctx, 'segments');
  return segmentsTable(items);
}

/** Like kubectl: the note goes to stderr so stdout stays empty for scripts. */
function noneFound(ctx: CommandContext, what: string): string[] {
  writeLine(ctx.io.stderr, `No ${what} found.`);
  return [];
}
