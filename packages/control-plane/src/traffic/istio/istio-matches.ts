import { ErrorCode, SluiceError } from '@sluice/domain';
import type { Condition, StringMatch } from '@sluice/domain';

/** An Istio StringMatch (one of exact, prefix, regex; RE2, whole value). */
export type IstioStringMatch = { readonly exact: string } | { readonly prefix: string } | { readonly regex: string };

/** An HTTPMatchRequest of a VirtualService (networking.istio.io/v1): every field must hold. */
export interface IstioMatch {
  readonly uri?: { readonly prefix: string };
  readonly method?: IstioStringMatch;
  readonly headers?: Readonly<Record<string, IstioStringMatch>>;
  readonly queryParams?: Readonly<Record<string, IstioStringMatch>>;
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function unsupported(rule: string, what: string): never {
  throw new SluiceError(ErrorCode.UNSUPPORTED_CAPABILITY, `Istio VirtualService cannot express rule "${rule}": ${what}`, { details: { router: 'istio', rule } });
}

function stringMatch(match: StringMatch): IstioStringMatch {
  if ('exact' in match) return { exact: match.exact };
  if ('prefix' in match) return { prefix: match.prefix };
  if ('regex' in match) return { regex: match.regex };
  return match.in.length === 1 ? { exact: match.in[0] ?? '' } : { regex: `(?:${match.in.map(escapeRegex).join('|')})` };
}

/** A cookie condition as a regex on the Cookie header (as Flagger does for Istio). */
function cookieMatch(name: string, match: StringMatch): IstioStringMatch {
  const value =
    'exact' in match ? escapeRegex(match.exact)
    : 'prefix' in match ? `${escapeRegex(match.prefix)}[^;]*`
    : 'regex' in match ? `(?:${match.regex})`
    : `(?:${match.in.map(escapeRegex).join('|')})`;
  return { regex: `(?:.*;\\s*)?${escapeRegex(name)}=${value}(?:;.*)?` };
}

function addNamed(match: IstioMatch, field: 'headers' | 'queryParams', name: string, value: IstioStringMatch, rule: string): IstioMatch {
  const existing = match[field] ?? {};
  const key = field === 'headers' ? name.toLowerCase() : name;
  if (key in existing) unsupported(rule, `two conditions on ${field === 'headers' ? 'header' : 'query parameter'} "${name}" in one match`);
  return { ...match, [field]: { ...existing, [key]: value } };
}

function expand(match: IstioMatch, condition: Condition, rule: string): IstioMatch[] {
  switch (condition.kind) {
    case 'header':
      return [addNamed(match, 'headers', condition.name, stringMatch(condition.match), rule)];
    case 'query':
      return [addNamed(match, 'queryParams', condition.name, stringMatch(condition.match), rule)];
    case 'cookie':
      return [addNamed(match, 'headers', 'cookie', cookieMatch(condition.name, condition.match), rule)];
    case 'method': {
      if (match.method !== undefined) unsupported(rule, 'two method conditions in one match');
      if (condition.methods.length === 0) return [];
      const method = condition.methods.length === 1 ? { exact: condition.methods[0] ?? '' } : { regex: `(?:${condition.methods.map(escapeRegex).join('|')})` };
      return [{ ...match, method }];
    }
    case 'pathPrefix':
      if (match.uri !== undefined) unsupported(rule, 'two path conditions in one match');
      return [{ ...match, uri: { prefix: condition.prefix } }];
    case 'anyOf':
      return condition.groups.flatMap((group) => group.reduce<IstioMatch[]>((acc, c) => acc.flatMap((m) => expand(m, c, rule)), [match]));
    case 'sourceCidr':
      return unsupported(rule, 'HTTPMatchRequest has no match on the client address (sourceCidr); use a header set by your edge instead');
    case 'flag':
      return unsupported(rule, `feature-flag conditions (flag "${condition.flag}") are evaluated only by the built-in proxy`);
  }
}

/** The HTTPMatchRequests (ORed) equivalent to a rule's conditions; empty: the rule never matches. */
export function toIstioMatches(rule: string, conditions: readonly Condition[]): IstioMatch[] {
  return conditions.reduce<IstioMatch[]>((acc, c) => acc.flatMap((m) => expand(m, c, rule)), [{}]);
}
