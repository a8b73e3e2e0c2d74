import { createHash } from 'node:crypto';
import { compareSemVer, parseSemVer, type ConstraintDefinition, type FeatureDefinition, type FlagState, type SegmentDefinition, type StrategyDefinition } from '@sluice/domain';
import type { FlagSnapshot } from '../flag-state.js';

/** Every Sluice flag is in Unleash's `default` project. */
export const UNLEASH_PROJECT = 'default';

/** Clients of this spec version or newer get segments as a list; older ones get them inlined (as Unleash does). */
const SEGMENTS_SPEC = parseSemVer('4.2.0');

/** The filters of `GET /api/client/features` Sluice honours (tags are accepted and ignored: flags carry none). */
export interface FeatureQuery {
  readonly project?: readonly string[];
  readonly namePrefix?: string;
}

/** Unleash's `GET /api/client/features` answer. */
export interface ClientFeaturesResponse {
  readonly version: 2;
  readonly features: readonly FeatureDefinition[];
  readonly segments?: readonly SegmentDefinition[];
  readonly query: Readonly<Record<string, unknown>>;
  readonly meta: { readonly revisionId: number; readonly etag: string; readonly queryHash: string };
}

/**
 * Whether the client understands global segments (`Unleash-Client-Spec` ≥ 4.2.0). Without the
 * header (old SDKs) or with an older version, segment constraints are inlined into the strategies.
 */
export function wantsSegmentList(specHeader: string | undefined): boolean {
  const version = specHeader === undefined ? undefined : parseSemVer(specHeader.trim());
  return version !== undefined && SEGMENTS_SPEC !== undefined && compareSemVer(version, SEGMENTS_SPEC) >= 0;
}

/** A constraint no context satisfies: stands in for a segment the client cannot be given. */
const NEVER: ConstraintDefinition = { contextName: 'sluice-missing-segment', operator: 'IN', values: [], inverted: false, caseInsensitive: false };

function inlineStrategy(strategy: StrategyDefinition, segments: ReadonlyMap<number, SegmentDefinition>): StrategyDefinition {
  const ids = strategy.segments ?? [];
  if (ids.length === 0) return strategy;
  const extra = ids.flatMap((id) => segments.get(id)?.constraints ?? [NEVER]);
  return { ...strategy, constraints: [...(strategy.constraints ?? []), ...extra], segments: [] };
}

/** The state with every strategy's segments written out as constraints (for SDKs older than spec 4.2). */
export function inlineSegments(state: FlagState): FlagState {
  const byId = new Map((state.segments ?? []).map((s) => [s.id, s] as const));
  const features = state.features.map((f) => ({ ...f, strategies: (f.strategies ?? []).map((s) => inlineStrategy(s, byId)) }));
  return { features };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Reads the query of a features request: `project` (repeatable), `namePrefix`; the rest is ignored. */
export function featureQuery(url: URL): FeatureQuery {
  const project = url.searchParams.getAll('project').filter((p) => p !== '');
  const namePrefix = url.searchParams.get('namePrefix') ?? '';
  return { ...(project.length > 0 ? { project } : {}), ...(namePrefix !== '' ? { namePrefix } : {}) };
}

/**
 * The features response of a snapshot for one query. The ETag is the flag seq plus a hash of what
 * is sent, so it also changes when only segments change (which does not move the seq) and differs
 * between environments and queries.
 */
export function featuresResponse(snapshot: FlagSnapshot, query: FeatureQuery, segmentList: boolean): ClientFeaturesResponse {
  const inProject = query.project === undefined || query.project.includes(UNLEASH_PROJECT);
  const prefix = query.namePrefix ?? '';
  const selected: FlagState = {
    features: inProject ? snapshot.state.features.filter((f) => f.name.startsWith(prefix)) : [],
    segments: snapshot.state.segments ?? [],
  };
  const state = segmentList ? selected : inlineSegments(selected);
  const echoed = { ...query, environment: snapshot.environment, inlineSegmentConstraints: !segmentList };
  const queryHash = hash(JSON.stringify(echoed));
  const etag = `"${queryHash.slice(0, 8)}:${snapshot.seq}:${hash(JSON.stringify(state)).slice(0, 8)}"`;
  return {
    version: 2,
    features: state.features,
    ...(segmentList ? { segments: state.segments ?? [] } : {}),
    query: echoed,
    meta: { revisionId: snapshot.seq, etag, queryHash },
  };
}

/** Whether an `If-None-Match` header names `etag` (a list, `*`, and weak forms are understood). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === bare;
  });
}
