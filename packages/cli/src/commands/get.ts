import type { Command } from 'commander';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { ApiClient } from '../api-client.js';
import type { AnalysisTemplateView, ExperimentView, FlagView, RolloutView, SegmentView, ServiceView } from '../api-types.js';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';
import { outputOption, toJson, type OutputFormat } from '../output-format.js';
import { flagsTable } from '../render/flag-view.js';
import { analysisTemplatesTable, rolloutsTable, segmentsTable, servicesTable } from '../render/resource-tables.js';
import { experimentsTable } from './experiment.js';
import { targetsTable, type TargetView } from '../render/targets-table.js';
import { dataPlanesTable, webhooksTable, type DataPlaneView, type WebhookView } from '../render/operations-tables.js';

type ResourceKind = 'services' | 'rollouts' | 'segments' | 'analysistemplates' | 'experiments' | 'targets' | 'flags' | 'webhooks' | 'dataplanes';

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
  experiments: 'experiments',
  experiment: 'experiments',
  exp: 'experiments',
  targets: 'targets',
  target: 'targets',
  tgt: 'targets',
  flags: 'flags',
  flag: 'flags',
  webhooks: 'webhooks',
  webhook: 'webhooks',
  wh: 'webhooks',
  dataplanes: 'dataplanes',
  dataplane: 'dataplanes',
  'data-planes': 'dataplanes',
  dp: 'dataplanes',
};

const KINDS_HELP =
  'services (service, svc), rollouts (rollout, ro), segments (segment, seg), analysistemplates (analysistemplate, at), experiments (experiment, exp), targets (target, tgt), flags (flag), webhooks (webhook, wh) or data-planes (dataplane, dp)';

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
  experiments: ExperimentView;
  targets: TargetView;
  flags: FlagView;
  webhooks: WebhookView;
  dataplanes: DataPlaneView;
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
  experiments: { list: (c, o) => c.listExperiments(o.service), get: (c, n) => c.getExperiment(n), table: (items, now) => experimentsTable(items, now) },
  targets: { list: (c) => c.listTargets(), get: (c, n) => c.getTarget(n), table: (items) => targetsTable(items) },
  flags: { list: (c) => c.listFlags(), get: (c, n) => c.getFlag(n), table: (items) => flagsTable(items) },
  webhooks: { list: (c) => c.listWebhooks(), get: (c, n) => c.getWebhook(n), table: (items) => webhooksTable(items) },
  dataplanes: { list: (c) => c.listDataPlanes(), get: (c, n) => dataPlaneNamed(c, n), table: (items) => dataPlanesTable(items) },
};

/** One data plane by id (the API lists them; there is no route per data plane). */
async function dataPlaneNamed(client: ApiClient, id: string): Promise<DataPlaneView> {
  const found = (await client.listDataPlanes()).find((p) => p.id === id);
  if (found === undefined) throw new SluiceError(ErrorCode.NOT_FOUND, `No data plane "${id}" has reported; sluice get data-planes lists those that have`, { details: { dataPlane: id } });
  return found;
}

export function registerGet(program: Command, ctx: CommandContext): void {
  program
    .command('get')
    .description('list services, rollouts, segments, analysis templates, experiments, targets, flags, webhooks or remote data planes, or show one by name')
    .argument('<kind>', KINDS_HELP)
    .argument('[name]', 'show only this one (an unknown name exits 1)')
    .addOption(outputOption())
    .option('--service <name>', 'rollouts and experiments: only those of this service')
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
  const what = kind === 'analysistemplates' ? 'analysis templates' : kind === 'dataplanes' ? 'data planes' : kind;
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
