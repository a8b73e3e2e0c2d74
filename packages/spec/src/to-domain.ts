import { DEFAULT_GRACE_PERIOD_MS, DEFAULT_READINESS, ErrorCode, parseDuration, SluiceError } from '@sluice/domain';
import type { ReadinessProbe, RolloutSpec, RunSpec, ServiceSpec, Step, VersionSource } from '@sluice/domain';
import { toHosts, toProxySettings } from './proxy-to-domain.js';
import { toRouteRule, toRoutingStep } from './routing-to-domain.js';
import type { RolloutDocument, ServiceDocument } from './schemas.js';

type RawService = ServiceDocument['spec'];
type RawVersion = RawService['versions'][string];
type RawRun = NonNullable<RawVersion['run']>;
type RawStep = RolloutDocument['spec']['strategy']['canary']['steps'][number];

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
  };
}

export function toRolloutSpec(raw: RolloutDocument['spec']): RolloutSpec {
  return {
    service: raw.service,
    target: raw.target,
    strategy: { kind: 'canary', steps: raw.strategy.canary.steps.map(toStep) },
    ...(raw.progressDeadline === undefined ? {} : { progressDeadlineMs: ms(raw.progressDeadline) }),
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
  };
}

function toStep(raw: RawStep): Step {
  if (raw.setWeight !== undefined) return { kind: 'setWeight', weight: raw.setWeight };
  const routing = toRoutingStep(raw);
  if (routing !== undefined) return routing;
  const duration = raw.pause?.duration;
  return duration === undefined ? { kind: 'pause' } : { kind: 'pause', durationMs: ms(duration) };
}

/** The schema has already accepted the text, so this only fails if schema and parser disagree. */
function ms(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new SluiceError(ErrorCode.INTERNAL, `duration "${text}" passed the schema but not parseDuration`);
  return value;
}
