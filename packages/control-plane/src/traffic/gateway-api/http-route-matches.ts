import { ErrorCode, SluiceError } from '@sluice/domain';
import type { Condition, StringMatch } from '@sluice/domain';

/** An HTTPRouteMatch (gateway.networking.k8s.io/v1): every field must hold. */
export interface HttpRouteMatch {
  readonly path?: { readonly type: 'PathPrefix' | 'RegularExpression'; readonly value: string };
  readonly method?: string;
  readonly headers?: readonly NameMatch[];
  readonly queryParams?: readonly NameMatch[];
}

export interface NameMatch {
  readonly type: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** Escapes a literal for an RE2 regular expression (what Gateway implementations use). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function unsupported(rule: string, what: string): never {
  throw new SluiceError(ErrorCode.UNSUPPORTED_CAPABILITY, `Gateway API HTTPRoute cannot express rule "${rule}": ${what}`, { details: { router: 'gateway-api', rule } });
}

/** A Sluice StringMatch as an HTTPRoute value match: exact stays Exact, prefix/in/regex become RegularExpression. */
function valueMatch(match: StringMatch): { type: 'Exact' | 'RegularExpression'; value: string } {
  if ('exact' in match) return { type: 'Exact', value: match.exact };
  if ('prefix' in match) return { type: 'RegularExpression', value: `${escapeRegex(match.prefix)}.*` };
  if ('regex' in match) return { type: 'RegularExpression', value: match.regex };
  if (match.in.length === 1) return { type: 'Exact', value: match.in[0] ?? '' };
  return { type: 'RegularExpression', value: `(?:${match.in.map(escapeRegex).join('|')})` };
}

/** A cookie condition as a RegularExpression on the Cookie header (the usual Istio/Flagger translation). */
function cookieMatch(name: string, match: StringMatch): NameMatch {
  const value =
    'exact' in match ? escapeRegex(match.exact)
    : 'prefix' in match ? `${escapeRegex(match.prefix)}[^;]*`
    : 'regex' in match ? `(?:${match.regex})`
    : `(?:${match.in.map(escapeRegex).join('|')})`;
  return { type: 'RegularExpression', name: 'cookie', value: `(?:.*;\\s*)?${escapeRegex(name)}=${value}(?:;.*)?` };
}

function addNamed(match: HttpRouteMatch, field: 'headers' | 'queryParams', entry: NameMatch, rule: string): HttpRouteMatch {
  const existing = match[field] ?? [];
  // Gateway API considers only the first entry per (case-insensitive) name: two conditions on one name cannot be ANDed.
  if (existing.some((e) => e.name.toLowerCase() === entry.name.toLowerCase())) unsupported(rule, `two conditions on ${field === 'headers' ? 'header' : 'query parameter'} "${entry.name}" in one match`);
  return { ...match, [field]: [...existing, entry] };
}

function withPrefix(match: HttpRouteMatch, prefix: string, rule: string): HttpRouteMatch {
  const path: HttpRouteMatch['path'] = prefix.endsWith('/') ? { type: 'PathPrefix', value: prefix } : { type: 'RegularExpression', value: `${escapeRegex(prefix)}.*` };
  if (match.path === undefined) return { ...match, path };
  return unsupported(rule, `two path conditions in one match (${match.path.value}, ${prefix})`);
}

/** The matches that hold when `condition` holds in addition to `match` (several: an OR). */
function expand(match: HttpRouteMatch, condition: Condition, rule: string): HttpRouteMatch[] {
  switch (condition.kind) {
    case 'header':
      return [addNamed(match, 'headers', { name: condition.name, ...valueMatch(condition.match) }, rule)];
    case 'query':
      return [addNamed(match, 'queryParams', { name: condition.name, ...valueMatch(condition.match) }, rule)];
    case 'cookie':
      return [addNamed(match, 'headers', cookieMatch(condition.name, condition.match), rule)];
    case 'method':
      return condition.methods.filter((m) => {
        if (!METHODS.has(m)) unsupported(rule, `method ${m} (HTTPRoute supports ${[...METHODS].join(', ')})`);
        return match.method === undefined || match.method === m;
      }).map((method) => ({ ...match, method }));
    case 'pathPrefix':
      return [withPrefix(match, condition.prefix, rule)];
    case 'anyOf':
      return condition.groups.flatMap((group) => group.reduce<HttpRouteMatch[]>((acc, c) => acc.flatMap((m) => expand(m, c, rule)), [match]));
    case 'sourceCidr':
      return unsupported(rule, 'HTTPRoute has no match on the client address (sourceCidr); use a header set by your edge instead');
    case 'flag':
      return unsupported(rule, `feature-flag conditions (flag "${condition.flag}") are evaluated only by the built-in proxy`);
  }
}

/**
 * The HTTPRouteMatches (ORed) equivalent to a rule's conditions (ANDed; anyOf distributed). An empty
 * result means the rule can never match (e.g. anyOf with no groups): the rule is left out of the route.
 * A rule with no conditions matches everything: one match on the path prefix "/".
 */
export function toMatches(rule: string, conditions: readonly Condition[]): HttpRouteMatch[] {
  const matches = conditions.reduce<HttpRouteMatch[]>((acc, c) => acc.flatMap((m) => expand(m, c, rule)), [{}]);
  return matches.map((m) => (m.path === undefined ? { path: { type: 'PathPrefix', value: '/' }, ...m } : m));
}
