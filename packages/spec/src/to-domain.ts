import { DEFAULT_GRACE_PERIOD_MS, DEFAULT_READINESS } from '@sluice/domain';
import { toSetFlagStep } from './flag-to-domain.js';
import type { BackgroundAnalysis, ReadinessProbe, RolloutSpec, RunSpec, ServiceSpec, Step, Strategy, VersionSource } from '@sluice/domain';
import { ms } from './analysis-to-domain.js';
import { toAdaptiveStep, toExposureBudget, toGuardSpec } from './guard-to-domain.js';
import { toHosts, toProxySettings } from './proxy-to-domain.js';
import { toRollingStrategy, toRollingUpdate } from './rolling-update-schemas.js';
import { toRouteRule, toRoutingStep } from './routing-to-domain.js';
import type { RawCanaryStep, RolloutDocument, ServiceDocument } from './schemas.js';
import { toBlueGreenStrategy } from './blue-green-to-domain.js';
import { toWavesStrategy } from './waves-to-domain.js';
import { toBackgroundAnalysis, toVerificationStep } from './verification-to-domain.js';
import { toContractStep, toMigrationSpec, withMigrationSteps } from './migration-to-domain.js';

type RawService = ServiceDocument['spec'];
type RawVersion = RawService['versions'][string];
type RawRun = NonNullable<RawVersion['run']>;
type RawStrategy = RolloutDocument['spec']['strategy'];

/** Normalises a validated Service document: defaults applied, durations in ms, sizes in bytes, header and hosts lower-cased. */
export function toServiceSpec(name: string, raw: RawService): ServiceSpec {
  const { header, cookie } = raw.stickiness ?? {};
  const versions: Record<string, VersionSource> = {};
  for (const [version, source] of Object.entries(raw.versions)) versions[version] = toVersionSource(source);
  return {
    listen: raw.listen,
    ...(raw.hosts === undefined ? {} : { hosts: toHosts(raw.hosts) }),
    stickiness: { ...(header === undefined ? {} : { header: header.toLowerCase() }), cookie: cookie ?? `sluice-${name}` },
    versions,
    stable: raw.stable,
    ...(raw.routes === undefined ? {} : { routes: raw.routes.map(toRouteRule) }),
    ...(raw.proxy === undefined ? {} : { proxy: toProxySettings(raw.proxy) }),
    ...(raw.rollbackWindow === undefined ? {} : { rollbackWindowMs: ms(raw.rollbackWindow) }),
  };
}

export function toRolloutSpec(raw: RolloutDocument['spec']): RolloutSpec {
  const background = raw.strategy.canary?.analysis;
  const migration = raw.migration === undefined ? undefined : toMigrationSpec(raw.migration);
  return {
    service: raw.service,
    target: raw.target,
    strategy: withMigrationSteps(toStrategy(raw.strategy), migration),
    ...(raw.progressDeadline === undefined ? {} : { progressDeadlineMs: ms(raw.progressDeadline) }),
    ...(raw.guard === undefined ? {} : { guard: toGuardSpec(raw.guard) }),
    ...(raw.exposureBudget === undefined ? {} : { exposureBudget: toExposureBudget(raw.exposureBudget) }),
    // The migration's expand step comes first: the background analysis starts one step later.
    ...(background === undefined ? {} : { analysis: { background: shifted(toBackgroundAnalysis(background), migration === undefined ? 0 : 1) } }),
    ...(migration === undefined ? {} : { migration }),
  };
}

function shifted(analysis: BackgroundAnalysis, by: number): BackgroundAnalysis {
  return { ...analysis, fromStep: analysis.fromStep + by };
}

function toVersionSource(raw: RawVersion): VersionSource {
  if (raw.run) return { kind: 'run', run: toRunSpec(raw.run) };
  return { kind: 'upstreams', upstreams: [...(raw.upstreams ?? [])] };
}

function toRunSpec(raw: RawRun): RunSpec {
  const readiness: ReadinessProbe = {
    path: raw.readiness?.path ?? DEFAULT_READINESS.path,
    intervalMs: raw.readiness?.interval === undefined ? DEFAULT_READINESS.intervalMs : ms(raw.readiness.interval),
    timeoutMs: raw.readiness?.timeout === undefined ? DEFAULT_READINESS.timeoutMs : ms(raw.readiness.timeout),
  };
  return {
    ...(raw.command === undefined ? {} : { command: raw.command }),
    ...(raw.image === undefined ? {} : { image: raw.image }),
    env: { ...raw.env },
    replicas: raw.replicas ?? 1,
    readiness,
    ...(raw.cwd === undefined ? {} : { cwd: raw.cwd }),
    gracePeriodMs: raw.gracePeriod === undefined ? DEFAULT_GRACE_PERIOD_MS : ms(raw.gracePeriod),
    ...(raw.rollingUpdate === undefined ? {} : { rollingUpdate: toRollingUpdate(raw.rollingUpdate) }),
  };
}

/** The schema has made sure exactly one of canary, blueGreen, waves and rolling is there. */
function toStrategy(raw: RawStrategy): Strategy {
  if (raw.rolling !== undefined) return toRollingStrategy(raw.rolling);
  if (raw.blueGreen !== undefined) return toBlueGreenStrategy(raw.blueGreen);
  if (raw.waves !== undefined) return toWavesStrategy(raw.waves);
  return { kind: 'canary', steps: (raw.canary?.steps ?? []).map(toStep) };
}

function toStep(raw: RawCanaryStep): Step {
  if (raw.setWeight !== undefined) return { kind: 'setWeight', weight: raw.setWeight };
  if (raw.pointOfNoReturn !== undefined) return { kind: 'pointOfNoReturn', reason: raw.pointOfNoReturn.reason };
  if (raw.setFlag !== undefined) return toSetFlagStep(raw.setFlag);
  if (raw.contract !== undefined) return toContractStep(raw.contract);
  const other = toRoutingStep(raw) ?? toVerificationStep(raw) ?? toAdaptiveStep(raw);
  if (other !== undefined) return other;
  const duration = raw.pause?.duration;
  return duration === undefined ? { kind: 'pause' } : { kind: 'pause', durationMs: ms(duration) };
}
