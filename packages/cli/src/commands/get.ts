import type { Command } from 'commander';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { ApiClient } from '../api-client.js';
import type { AnalysisTemplateView, RolloutView, SegmentView, ServiceView } from '../api-types.js';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { outputOption, toJson, type OutputFormat } from '../output-format.js';
import { analysisTemplatesTable, rolloutsTable, segmentsTable, servicesTable } from '../render/resource-tables.js';

type ResourceKind = 'services' | 'rollouts' | 'segments' | 'analysistemplates';

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
  analysistemplates: 'analysistemplates',
  analysistemplate: 'analysistemplates',
  at: 'analysistemplates',
};

const KINDS_HELP =
  'services (service, svc), rollouts (rollout, ro), segments (segment, seg) or analysistemplates (analysistemplate, at)';

interface GetOptions {
  readonly output: OutputFormat;
  readonly service?: string;
}

/** How to read, one or all, and print one kind of resource. */
interface KindReader<T> {
  list(client: ApiClient, options: GetOptions): Promise<readonly T[]>;
  get(client: ApiClient, name: string): Promise<T>;
  table(items: readonly T[], now: number): string[];
}

interface ViewOf {
  services: ServiceView;
  rollouts: RolloutView;
  segments: SegmentView;
  analysistemplates: AnalysisTemplateView;
}

const READERS: { readonly [K in ResourceKind]: KindReader<ViewOf[K]> } = {
  services: { list: (c) => c.listServices(), get: (c, n) => c.getService(n), table: (items) => servicesTable(items) },
  rollouts: { list: (c, o) => c.listRollouts(o.service), get: (c, n) => c.getRollout(n), table: (items, now) => rolloutsTable(items, now) },
  segments: { list: (c) => c.listSegments(), get: (c, n) => c.getSegment(n), table: (items) => segmentsTable(items) },
  analysistemplates: {
    list: (c) => c.listAnalysisTemplates(),
    get: (c, n) => c.getAnalysisTemplate(n),
    table: (items) => analysisTemplatesTable(items),
  },
};

export function registerGet(program: Command, ctx: CommandContext): void {
  program
    .command('get')
    .description('list services, rollouts, segments or analysis templates, or show one by name')
    .argument('<kind>', KINDS_HELP)
    .argument('[name]', 'show only this one (an unknown name exits 1)')
    .addOption(outputOption())
    .option('--service <name>', 'rollouts: only those of this service')
    .action(async (kindText: string, name: string | undefined, options: GetOptions) => {
      const kind = parseKind(kindText);
      for (const line of await getLines(ctx, kind, name, options)) writeLine(ctx.io.stdout, line);
    });
}

export function parseKind(text: string): ResourceKind {
  const kind = KIND_ALIASES[text.toLowerCase()];
  if (kind === undefined) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `unknown resource kind "${text}": expected ${KINDS_HELP}`);
  }
  return kind;
}

/** All of a kind as `{ items }` JSON or a table; one by name as its JSON object or a one-row table. */
function getLines(ctx: CommandContext, kind: ResourceKind, name: string | undefined, options: GetOptions): Promise<string[]> {
  const what = kind === 'analysistemplates' ? 'analysis templates' : kind;
  return readLines<ViewOf[typeof kind]>(ctx, READERS[kind], what, name, options);
}

async function readLines<T>(ctx: CommandContext, reader: KindReader<T>, what: string, name: string | undefined, options: GetOptions): Promise<string[]> {
  if (name !== undefined) {
    const item = await reader.get(ctx.client(), name);
    return options.output === 'json' ? [toJson(item)] : reader.table([item], ctx.now());
  }
  const items = await reader.list(ctx.client(), options);
  if (options.output === 'json') return [toJson({ items })];
  if (items.length === 0) return noneFound(ctx, what);
  return reader.table(items, ctx.now());
}

/** Like kubectl: the note goes to stderr so stdout stays empty for scripts. */
function noneFound(ctx: CommandContext, what: string): string[] {
  writeLine(ctx.io.stderr, `No ${what} found.`);
  return [];
}
