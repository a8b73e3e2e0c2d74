import { DEFAULT_GRACE_PERIOD_MS, DEFAULT_READINESS } from '@sluice/domain';
import { toSetFlagStep } from './flag-to-domain.js';
import type { ReadinessProbe, RolloutSpec, RunSpec, ServiceSpec, Step, Strategy, VersionSource } from '@sluice/domain';
import { ms } from './analysis-to-domain.js';
import { toAdaptiveStep, toExposureBudget, toGuardSpec } from './guard-to-domain.js';
import { toHosts, toProxySettings } from './proxy-to-domain.js';
import { toRollingStrategy, toRollingUpdate } from './rolling-update-schemas.js';
import { toRouteRule, toRoutingStep } from './routing-to-domain.js';
import type { RawCanaryStep, RolloutDocument, ServiceDocument } from './schemas.js';
import { toBlueGreenStrategy } from './blue-green-to-domain.js';
import { toWavesStrategy } from './waves-to-domain.js';
import { toBackgroundAnalysis, toVerificationStep } from './verification-to-domain.js';

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
  return {
    service: raw.service,
    target: raw.target,
    strategy: toStrategy(raw.strategy),
    ...(raw.progressDeadline === undefined ? {} : { progressDeadlineMs: ms(raw.progressDeadline) }),
    ...(raw.guard === undefined ? {} : { guard: toGuardSpec(raw.guard) }),
    ...(raw.exposureBudget === undefined ? {} : { exposureBudget: toExposureBudget(raw.exposureBudget) }),
    ...(background === undefined ? {} : { analysis: { background: toBackgroundAnalysis(background) } }),
  };
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
    command: raw.command,
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
  const other = toRoutingStep(raw) ?? toVerificationStep(raw) ?? toAdaptiveStep(raw);
  if (other !== undefined) return other;
  const duration = raw.pause?.duration;
  return duration === undefined ? { kind: 'pause' } : { kind: 'pause', durationMs: ms(duration) };
}
