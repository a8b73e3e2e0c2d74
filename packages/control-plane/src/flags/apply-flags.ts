import { prerequisiteProblems, segmentToConstraints, type Flag, type FlagSpec, type Problem, type Segment } from '@sluice/domain';
import { stepFieldPath, type ParsedResource } from '@sluice/spec';
import type { Stamp } from '../orchestrator/commit.js';
import { appliedEvent } from '../events/resource-events.js';
import type { StoreTransaction } from '../store/store.js';

type FlagResource = ParsedResource & { kind: 'Flag' };

/** What applying the Flags of a set of resources would do. */
export interface FlagApplyPlan {
  readonly results: { kind: 'Flag'; name: string; action: 'created' | 'configured' | 'unchanged' }[];
  /** References that do not hold (UNKNOWN_REFERENCE): prerequisites, segments, cycles. */
  readonly problems: Problem[];
  readonly writes: (() => Promise<unknown>)[];
}

function at(r: ParsedResource, path: readonly (string | number)[], message: string, expected: string): Problem {
  const pos = r.source.locate(path);
  const dotted = path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
  return { file: r.source.file, ...(pos ?? {}), path: dotted, message, expected };
}

/** Segments a flag names must exist (stored or applied with it) and translate to flag constraints. */
function segmentProblems(r: FlagResource, segments: ReadonlyMap<string, Segment>): Problem[] {
  const problems: Problem[] = [];
  for (const [env, settings] of Object.entries(r.spec.environments)) {
    settings.rules.forEach((rule, i) => {
      rule.segments.forEach((name, j) => {
        const path = ['spec', 'environments', env, 'rules', i, 'segments', j];
        const segment = segments.get(name);
        if (segment === undefined) {
          problems.push(at(r, path, `segment "${name}" does not exist`, 'the name of a Segment (stored, or applied in the same request)'));
          return;
        }
        const translated = segmentToConstraints(segment);
        if (!translated.ok) problems.push(at(r, path, `${translated.problem}, which a flag cannot evaluate`, 'a segment of header, cookie, query and sourceCidr conditions'));
      });
    });
  }
  return problems;
}

/** setFlag steps of the rollouts applied must name a flag (stored or applied) and variants it has. */
function setFlagProblems(resources: readonly ParsedResource[], specs: ReadonlyMap<string, FlagSpec>): Problem[] {
  const problems: Problem[] = [];
  for (const r of resources) {
    if (r.kind !== 'Rollout' || r.spec.strategy.kind !== 'canary') continue;
    r.spec.strategy.steps.forEach((step, i) => {
      if (step.kind !== 'setFlag') return;
      const path = stepFieldPath(r.spec, i);
      const spec = specs.get(step.flag);
      if (spec === undefined) {
        problems.push(at(r, [...path, 'flag'], `flag "${step.flag}" does not exist`, 'the name of a Flag (stored, or applied in the same request)'));
        return;
      }
      const weights = step.variantWeights ?? {};
      const unknown = Object.keys(weights).filter((v) => !spec.variants.some((x) => x.name === v));
      if (unknown.length > 0) problems.push(at(r, [...path, 'variantWeights'], `flag "${step.flag}" has no variant ${unknown.map((u) => `"${u}"`).join(', ')}`, `variants of the flag: ${spec.variants.map((v) => v.name).join(', ') || '(none)'}`));
      const sum = Object.values(weights).reduce((a, w) => a + Math.round(w * 10), 0);
      if (step.variantWeights !== undefined && sum !== 1000) problems.push(at(r, [...path, 'variantWeights'], `variant weights sum to ${sum / 10}`, 'weights that sum to 100'));
    });
  }
  return problems;
}

/**
 * Plans the Flags of an apply: each created or replaced as a whole (a new version in its history,
 * with the applying actor) or left unchanged; prerequisites and segments checked across the stored
 * flags and segments and those applied with them.
 */
export async function planFlags(tx: StoreTransaction, resources: readonly ParsedResource[], stamp: Stamp): Promise<FlagApplyPlan> {
  const applied = resources.filter((r): r is FlagResource => r.kind === 'Flag');
  const plan: FlagApplyPlan = { results: [], problems: [], writes: [] };
  const flagSteps = resources.some((r) => r.kind === 'Rollout' && r.spec.strategy.kind === 'canary' && r.spec.strategy.steps.some((s) => s.kind === 'setFlag'));
  if (applied.length === 0 && !flagSteps) return plan;
  const specs = new Map<string, FlagSpec>((await tx.flags.list()).map((f) => [f.name, f.spec] as const));
  for (const r of applied) specs.set(r.name, r.spec);
  const segments = new Map((await tx.segments.list()).map((s) => [s.name, s] as const));
  for (const r of resources) if (r.kind === 'Segment') segments.set(r.name, { name: r.name, spec: r.spec, version: 0 });
  plan.problems.push(...setFlagProblems(resources, specs));
  const byName = new Map(applied.map((r) => [r.name, r] as const));
  for (const { flag, problem } of prerequisiteProblems(specs)) {
    const r = byName.get(flag);
    if (r) plan.problems.push(at(r, problem.path, problem.message, problem.expected));
  }
  for (const r of applied) {
    plan.problems.push(...segmentProblems(r, segments));
    const existing = await tx.flags.get(r.name);
    if (existing !== undefined && JSON.stringify(existing.spec) === JSON.stringify(r.spec)) {
      plan.results.push({ kind: 'Flag', name: r.name, action: 'unchanged' });
      continue;
    }
    const flag: Flag = { name: r.name, spec: r.spec, version: existing?.version ?? 0, createdAt: existing?.createdAt ?? stamp.at, updatedAt: stamp.at };
    plan.results.push({ kind: 'Flag', name: r.name, action: existing ? 'configured' : 'created' });
    const reason = existing ? `applied from ${r.source.file}` : `created from ${r.source.file}`;
    const events = appliedEvent('Flag', r.name, existing, r.spec, stamp);
    plan.writes.push(() => tx.flags.save(flag, existing?.version ?? 0, { actor: stamp.actor, at: stamp.at, reason }), () => tx.events.append(events));
  }
  return plan;
}
