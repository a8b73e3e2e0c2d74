import { STANDARD_ENVIRONMENTS, type ConstraintDefinition, type FlagEnvironmentSpec, type FlagRuleSpec } from '@sluice/domain';
import type { FlagEvaluationView, FlagRevision, FlagView, StaleFlagReport } from '../api-types.js';
import { renderTable } from './table.js';
import { formatDateTime } from './time.js';

/** Most constraint values shown before "… (+N more)". */
const MAX_VALUES_SHOWN = 5;

/** development, staging, production first (in that order), then the others by name. */
export function sortEnvironments(names: Iterable<string>): string[] {
  const rank = (name: string) => {
    const i = (STANDARD_ENVIRONMENTS as readonly string[]).indexOf(name);
    return i === -1 ? STANDARD_ENVIRONMENTS.length : i;
  };
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** "on 25%" or "off"; an environment the flag does not list is off. */
export function environmentCell(view: FlagView, environment: string): string {
  const env = view.environments[environment];
  return env?.enabled ? `on ${formatPercent(env.rollout)}` : 'off';
}

/** "25%", "12.5%". */
export function formatPercent(n: number): string {
  return `${Number(n.toFixed(2))}%`;
}

/** `sluice flags`: NAME, KIND, TYPE, then one column per environment any flag lists. */
export function flagsTable(flags: readonly FlagView[]): string[] {
  const environments = sortEnvironments(flags.flatMap((f) => Object.keys(f.environments)));
  const rows = [...flags]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((f) => [f.name, f.spec.kind, f.spec.type, ...environments.map((e) => environmentCell(f, e))]);
  return renderTable(['NAME', 'KIND', 'TYPE', ...environments.map((e) => e.toUpperCase())], rows);
}

/** The weights the environment serves its variants with: its own, else the flag's. */
export function variantWeightsText(view: FlagView, environment: string): string {
  const own = view.spec.environments[environment]?.variantWeights;
  const weights = own ? Object.entries(own) : view.spec.variants.map((v) => [v.name, v.weight] as const);
  return weights.map(([name, weight]) => `${name} ${formatPercent(weight)}`).join(', ');
}

function valuesText(values: readonly string[]): string {
  const shown = values.slice(0, MAX_VALUES_SHOWN).join(', ');
  return values.length > MAX_VALUES_SHOWN ? `[${shown}, … (+${values.length - MAX_VALUES_SHOWN} more)]` : `[${shown}]`;
}

/** `plan IN [pro, team]`, `version NOT SEMVER_GT 2.0.0 (case-insensitive)`. */
export function constraintText(c: ConstraintDefinition): string {
  const operand = c.values && c.values.length > 0 ? valuesText(c.values) : (c.value ?? '');
  return `${c.contextName} ${c.inverted ? 'NOT ' : ''}${c.operator} ${operand}${c.caseInsensitive ? ' (case-insensitive)' : ''}`.trimEnd();
}

function ruleText(rule: FlagRuleSpec): string {
  const conditions = [...rule.constraints.map(constraintText), ...rule.segments.map((s) => `segment ${s}`)];
  const variants = rule.variants.length > 0 ? `, variants ${rule.variants.map((v) => `${v.name} ${formatPercent(v.weight)}`).join(', ')}` : '';
  return `rule ${rule.name}: ${conditions.length > 0 ? conditions.join(' and ') : 'everyone'} → ${formatPercent(rule.rollout)}${variants}`;
}

function environmentLines(name: string, env: FlagEnvironmentSpec, view: FlagView): string[] {
  const lines = [`  ${name}: ${env.enabled ? 'on' : 'off'}`];
  for (const o of env.overrides) {
    lines.push(`    override: ${o.contextName} in ${valuesText(o.values)} → ${o.enabled ? 'on' : 'off'}${o.variant ? ` (variant ${o.variant})` : ''}`);
  }
  for (const rule of env.rules) lines.push(`    ${ruleText(rule)}`);
  const variant = env.default.variant ? `, variant ${env.default.variant}` : '';
  lines.push(`    default: ${formatPercent(env.default.rollout)} of the rest (stickiness ${env.default.stickiness}${variant})`);
  if (env.variantWeights) lines.push(`    variant weights: ${variantWeightsText(view, name)}`);
  return lines;
}

/** `sluice flag get`: what the flag is, its variants, and per environment who gets it. */
export function flagDetails(view: FlagView): string[] {
  const { spec } = view;
  const lines = [
    `Name:        ${view.name}`,
    `Kind:        ${spec.kind}`,
    `Type:        ${spec.type}`,
    `Description: ${spec.description ?? '-'}`,
    `Owner:       ${spec.owner ?? '-'}`,
    `Version:     ${view.version} (changed ${formatDateTime(view.updatedAt)})`,
  ];
  const variants = spec.variants.map((v) => `${v.name} ${formatPercent(v.weight)} = ${JSON.stringify(v.value)}`);
  lines.push(`Variants:    ${variants.length > 0 ? variants.join(', ') : '-'}`);
  if (spec.prerequisites.length > 0) {
    const prereqs = spec.prerequisites.map((p) => `${p.flag} ${p.enabled ? 'on' : 'off'}${p.variants.length > 0 ? ` (variant ${p.variants.join(' or ')})` : ''}`);
    lines.push(`Requires:    ${prereqs.join(', ')}`);
  }
  const environments = sortEnvironments(Object.keys(spec.environments));
  lines.push(`Environments:${environments.length === 0 ? ' none (off everywhere)' : ''}`);
  for (const name of environments) {
    const env = spec.environments[name];
    if (env) lines.push(...environmentLines(name, env, view));
  }
  return lines;
}

/** `sluice flag history`: VERSION, WHEN, ACTOR, ROLLOUT (the release that made the change), REASON. */
export function flagHistoryTable(items: readonly FlagRevision[]): string[] {
  const rows = items.map((r) => [String(r.version), formatDateTime(r.change.at), r.change.actor, r.change.rollout ?? '-', r.change.reason]);
  return renderTable(['VERSION', 'WHEN', 'ACTOR', 'ROLLOUT', 'REASON'], rows);
}

/** `sluice flags stale`: one row per flag, then each flag's hint on its own line. */
export function staleTable(report: StaleFlagReport): string[] {
  const rows = report.items.map((s) => [
    s.flag,
    s.kind,
    s.reasons.join(', '),
    `${s.unchangedDays}d${s.expectedLifetimeDays === undefined ? '' : ` (expected ${s.expectedLifetimeDays}d)`}`,
    s.lastEvaluatedAt === undefined ? 'never' : formatDateTime(s.lastEvaluatedAt),
  ]);
  return [...renderTable(['FLAG', 'KIND', 'WHY', 'UNCHANGED', 'LAST EVALUATED'], rows), '', ...report.items.map((s) => s.hint)];
}

/** `sluice flag eval`: enabled, variant, value and reason, one per line. */
export function evaluationLines(result: FlagEvaluationView): string[] {
  const value = result.value === undefined ? '-' : typeof result.value === 'string' ? result.value : JSON.stringify(result.value);
  return [
    `enabled: ${result.enabled}`,
    `variant: ${result.variant.name}`,
    `value:   ${value}`,
    `reason:  ${result.reason}${result.errorCode ? ` (${result.errorCode}${result.errorMessage ? `: ${result.errorMessage}` : ''})` : ''}`,
  ];
}
