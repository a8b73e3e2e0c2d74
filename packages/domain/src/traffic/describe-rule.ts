import type { Condition, ConditionSpec, MirrorSpec, RouteRule, StringMatch } from './routing.js';

const LIST_SHOWN = 5;

function quote(text: string): string {
  return JSON.stringify(text);
}

function list(items: readonly string[], separator = ', '): string {
  const shown = items.slice(0, LIST_SHOWN).join(separator);
  return items.length > LIST_SHOWN ? `${shown}${separator}… ${items.length - LIST_SHOWN} more` : shown;
}

/** `exact "eu"`, `prefix "/api"`, `regex /Mobile/`, `in [u1, u2]`. */
export function describeMatch(match: StringMatch): string {
  if ('exact' in match) return `exact ${quote(match.exact)}`;
  if ('prefix' in match) return `prefix ${quote(match.prefix)}`;
  if ('regex' in match) return `regex /${match.regex}/`;
  return `in [${list(match.in)}]`;
}

/** One condition as a person reads it: `header x-region exact "eu"`, `segment internal-testers`. */
export function describeCondition(condition: ConditionSpec | Condition): string {
  switch (condition.kind) {
    case 'header':
    case 'cookie':
    case 'query':
      return `${condition.kind} ${condition.name} ${describeMatch(condition.match)}`;
    case 'pathPrefix':
      return `pathPrefix ${condition.prefix}`;
    case 'method':
      return `method ${condition.methods.join('|')}`;
    case 'sourceCidr':
      return `sourceCidr ${list(condition.cidrs)}`;
    case 'segment':
      return `segment ${condition.segment}`;
    case 'flag':
      return `flag ${condition.flag} on in ${condition.environment}${condition.variant === undefined ? '' : ` with variant ${condition.variant}`}`;
    case 'anyOf':
      return `anyOf(${condition.groups.map((g) => describeConditions(g)).join(' | ')})`;
  }
}

/** ANDed conditions: `method GET and pathPrefix /api/`; "every request" for none. */
export function describeConditions(conditions: readonly (ConditionSpec | Condition)[]): string {
  return conditions.length === 0 ? 'every request' : conditions.map(describeCondition).join(' and ');
}

/** `testers: header x-user-id in [u1, u2] → v2`; a split rule ends `→ 5% v2`. */
export function describeRule(rule: RouteRule<ConditionSpec> | RouteRule): string {
  const action = rule.action.kind === 'version' ? rule.action.version : `${rule.action.weight}% ${rule.action.canary}`;
  return `${rule.name}: ${describeConditions(rule.conditions)} → ${action}`;
}

/** `10% → v2 (bodies up to 1048576 bytes)`. */
export function describeMirror(mirror: MirrorSpec): string {
  return `${mirror.percent}% → ${mirror.version} (bodies up to ${mirror.maxBodyBytes} bytes)`;
}
