import { DEFAULT_MIRROR_MAX_BODY_BYTES, ErrorCode, SluiceError } from '@sluice/domain';
import type { BasicCondition, ConditionSpec, FlagConditionSpec, RouteRuleSpec, SegmentCondition, SegmentSpec, Step, StringMatch } from '@sluice/domain';
import type { RawCanaryStep, SegmentDocument, ServiceDocument } from './schemas.js';

type RawRoute = NonNullable<ServiceDocument['spec']['routes']>[number];
type RawCondition = RawRoute['match'][number];
type RawMatch = { exact?: string | undefined; prefix?: string | undefined; regex?: string | undefined; in?: readonly string[] | undefined };
type RawStep = RawCanaryStep;

function toMatch(raw: RawMatch): StringMatch {
  if (raw.exact !== undefined) return { exact: raw.exact };
  if (raw.prefix !== undefined) return { prefix: raw.prefix };
  if (raw.regex !== undefined) return { regex: raw.regex };
  if (raw.in !== undefined) return { in: [...raw.in] };
  throw new SluiceError(ErrorCode.INTERNAL, 'a condition passed the schema without a match');
}

/** A validated YAML condition as the domain holds it: header names and methods normalised. */
export function toConditionSpec(raw: RawCondition): ConditionSpec {
  if (raw.segment !== undefined) return { kind: 'segment', segment: raw.segment };
  return toSegmentCondition(raw);
}

function toSegmentCondition(raw: Omit<RawCondition, 'segment'>): BasicCondition | FlagConditionSpec {
  if (raw.flag === undefined) return toBasicCondition(raw);
  const { name, environment, variant } = raw.flag;
  return variant === undefined ? { kind: 'flag', flag: name, environment } : { kind: 'flag', flag: name, environment, variant };
}

function toBasicCondition(raw: Omit<RawCondition, 'segment'>): BasicCondition {
  if (raw.header !== undefined) return { kind: 'header', name: raw.header.toLowerCase(), match: toMatch(raw) };
  if (raw.cookie !== undefined) return { kind: 'cookie', name: raw.cookie, match: toMatch(raw) };
  if (raw.query !== undefined) return { kind: 'query', name: raw.query, match: toMatch(raw) };
  if (raw.userAgent !== undefined) return { kind: 'header', name: 'user-agent', match: toMatch(raw.userAgent) };
  if (raw.pathPrefix !== undefined) return { kind: 'pathPrefix', prefix: raw.pathPrefix };
  if (raw.method !== undefined) return { kind: 'method', methods: raw.method.map((m) => m.toUpperCase()) };
  if (raw.sourceCidr !== undefined) return { kind: 'sourceCidr', cidrs: [...raw.sourceCidr] };
  throw new SluiceError(ErrorCode.INTERNAL, 'a condition passed the schema without a kind');
}

export function toRouteRule(raw: RawRoute): RouteRuleSpec {
  const conditions = raw.match.map(toConditionSpec);
  if (raw.version !== undefined) return { name: raw.name, conditions, action: { kind: 'version', version: raw.version } };
  const [canary, weight] = Object.entries(raw.split ?? {})[0] ?? [];
  if (canary === undefined || weight === undefined) throw new SluiceError(ErrorCode.INTERNAL, 'a route passed the schema without version or split');
  return { name: raw.name, conditions, action: { kind: 'split', canary, weight } };
}

/** A Segment's spec: `match` as is, `anyOf` as one anyOf condition. */
export function toSegmentSpec(raw: SegmentDocument['spec']): SegmentSpec {
  if (raw.match !== undefined) return { match: raw.match.map(toSegmentCondition) };
  const groups = (raw.anyOf ?? []).map((alternative): SegmentCondition[] => alternative.match.map(toSegmentCondition));
  return { match: [{ kind: 'anyOf', groups }] };
}

/** The routing steps; undefined for any other step. */
export function toRoutingStep(raw: RawStep): Step | undefined {
  if (raw.setHeaderRoute !== undefined) {
    const { name, match } = raw.setHeaderRoute;
    return match === undefined ? { kind: 'setHeaderRoute', name } : { kind: 'setHeaderRoute', name, match: match.map(toConditionSpec) };
  }
  if (raw.setSegmentRoute !== undefined) {
    const { segment, remove } = raw.setSegmentRoute;
    return remove === true ? { kind: 'setSegmentRoute', segment, remove: true } : { kind: 'setSegmentRoute', segment };
  }
  if (raw.setMirror !== undefined) {
    return { kind: 'setMirror', percent: raw.setMirror.percent, maxBodyBytes: raw.setMirror.maxBodyBytes ?? DEFAULT_MIRROR_MAX_BODY_BYTES };
  }
  return undefined;
}
