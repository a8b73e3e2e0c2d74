import type { Problem, RouteRule, RouteSpec, RunSpec, SluiceError, TrafficSplit } from '@sluice/domain';
import { stepFieldPath, type ParsedResource } from '@sluice/spec';

/** What the configured data plane can do, as far as specs are concerned. */
export type DataPlaneCapability = 'weights' | 'sticky' | 'header-match' | 'source-match' | 'flag-match' | 'mirror';

/**
 * Rejects specs the configured data plane cannot serve, before anything runs: a rollout must never
 * record a step as done on a data plane that ignores it.
 */
/** What apply may ask the data plane: its capabilities, and (optionally) whether it could serve a rule. */
export interface DataPlaneChecks {
  readonly kind: string;
  readonly capabilities: ReadonlySet<string>;
  refusal?(route: RouteSpec, split: TrafficSplit): SluiceError | undefined;
}

/** What apply may ask the runtime: whether it could run a version's run spec. */
export interface RuntimeChecks {
  readonly kind: string;
  cannotRun?(run: RunSpec): { readonly field: string; readonly message: string; readonly expected: string } | undefined;
}

/** Services whose `run` versions the configured runtime could not start (e.g. an image alone on the process runtime). */
export function runtimeProblems(resources: readonly ParsedResource[], runtime: RuntimeChecks): Problem[] {
  const problems: Problem[] = [];
  for (const r of resources) {
    if (r.kind !== 'Service' || runtime.cannotRun === undefined) continue;
    for (const [version, source] of Object.entries(r.spec.versions)) {
      if (source.kind !== 'run') continue;
      const refusal = runtime.cannotRun(source.run);
      if (refusal !== undefined) problems.push(at(r, ['spec', 'versions', version, 'run'], `the ${runtime.kind} runtime cannot run version "${version}": ${refusal.message}`, refusal.expected));
    }
  }
  return problems;
}

export function capabilityProblems(resources: readonly ParsedResource[], dataPlane: DataPlaneChecks): Problem[] {
  const { capabilities, kind: router } = dataPlane;
  const problems: Problem[] = [];
  const engineProblem = (r: ParsedResource, path: readonly (string | number)[], rules: readonly { name: string; conditions: readonly AnyCondition[] }[], target?: string) => {
    const error = refusalOf(dataPlane, rules, target);
    if (error !== undefined) problems.push(at(r, path, `the ${router} data plane cannot serve this rule: ${error.message}`, 'conditions this engine can evaluate (see its docs), or the built-in data plane'));
  };
  // Conditions some engines cannot evaluate: the client address, a feature flag's value.
  const lacking = (conditions: readonly AnyCondition[]) => [...needed(conditions)].filter((c) => !capabilities.has(c)) as (keyof typeof UNMATCHABLE)[];
  const matchProblem = (r: ParsedResource, path: readonly (string | number)[], conditions: readonly AnyCondition[]) => {
    const lacks = lacking(conditions);
    if (lacks.length === 0) return;
    problems.push(at(r, path, `the ${router} data plane cannot match on ${lacks.map((c) => UNMATCHABLE[c]).join(' or ')}`, `conditions on headers, cookies, query, method or path, or a data plane with ${lacks.join(' and ')}`));
  };
  for (const r of resources) {
    if (r.kind === 'Service' && (r.spec.routes?.length ?? 0) > 0 && !capabilities.has('header-match')) {
      problems.push(at(r, ['spec', 'routes'], `the ${router} data plane cannot route by request attributes`, 'a data plane with header-match'));
    }
    if (r.kind === 'Service') r.spec.routes?.forEach((route, i) => (matchProblem(r, ['spec', 'routes', i], route.conditions), engineProblem(r, ['spec', 'routes', i], [route])));
    if (r.kind === 'Segment') (matchProblem(r, ['spec', 'match'], r.spec.match), engineProblem(r, ['spec', 'match'], [{ name: `segment:${r.name}`, conditions: r.spec.match }]));
    if (r.kind !== 'Rollout') continue;
    r.spec.strategy.steps.forEach((step, i) => {
      const needs = step.kind === 'setMirror' ? 'mirror' : step.kind === 'setHeaderRoute' || step.kind === 'setSegmentRoute' ? 'header-match' : undefined;
      if (needs !== undefined && !capabilities.has(needs)) {
        problems.push(at(r, stepFieldPath(r.spec, i), `the ${router} data plane does not support ${step.kind} yet`, `a data plane with the "${needs}" capability, or no ${step.kind} step`));
      }
      if (step.kind === 'setHeaderRoute') (matchProblem(r, stepFieldPath(r.spec, i), step.match ?? []), engineProblem(r, stepFieldPath(r.spec, i), [{ name: step.name, conditions: step.match ?? [] }], r.spec.target));
    });
  }
  return problems;
}

type AnyCondition = { readonly kind: string; readonly groups?: readonly (readonly AnyCondition[])[] };

const UNMATCHABLE = { 'source-match': 'the client address (sourceCidr)', 'flag-match': 'a feature flag (flag)' } as const;
const NEEDS: Readonly<Record<string, keyof typeof UNMATCHABLE>> = { sourceCidr: 'source-match', flag: 'flag-match' };

/** The capabilities, of those a data plane may lack, that the conditions (anyOf groups included) need. */
function needed(conditions: readonly AnyCondition[]): Set<string> {
  const out = new Set<string>();
  for (const c of conditions) {
    const need = NEEDS[c.kind];
    if (need !== undefined) out.add(need);
    if (c.kind === 'anyOf') for (const group of c.groups ?? []) for (const n of needed(group)) out.add(n);
  }
  return out;
}

function at(r: ParsedResource, path: readonly (string | number)[], message: string, expected: string): Problem {
  const pos = r.source.locate(path);
  const dotted = path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
  return { file: r.source.file, ...(pos ?? {}), path: dotted, message, expected };
}

const PROBE_ENDPOINT = 'http://127.0.0.1:1';
const PROBE_STABLE = 'sluice-probe-stable';

/** Asks the engine about the rules' conditions it could evaluate here (segment and flag references are checked elsewhere). */
function refusalOf(dataPlane: DataPlaneChecks, rules: readonly { name: string; conditions: readonly AnyCondition[] }[], target = 'sluice-probe-target'): SluiceError | undefined {
  if (dataPlane.refusal === undefined) return undefined;
  const basic = rules
    .map((rule) => ({ name: rule.name, conditions: rule.conditions.filter(isBasic), action: { kind: 'version' as const, version: target } }))
    .filter((rule) => rule.conditions.length > 0) as unknown as RouteRule[];
  if (basic.length === 0) return undefined;
  const route: RouteSpec = { service: 'sluice-probe', listen: '127.0.0.1:1', stickiness: { cookie: 'sluice-probe' }, backends: { [PROBE_STABLE]: [PROBE_ENDPOINT], [target]: [PROBE_ENDPOINT] } };
  return dataPlane.refusal(route, { stable: PROBE_STABLE, weight: 0, salt: 'probe', rules: basic });
}

/** A condition without segment or flag references (anyOf groups made only of such). */
function isBasic(condition: AnyCondition): boolean {
  if (condition.kind === 'segment' || condition.kind === 'flag') return false;
  return condition.kind !== 'anyOf' || (condition.groups ?? []).every((g) => g.every(isBasic));
}
