import { parseCidr } from '@sluice/domain';
import type { Condition, StringMatch } from '@sluice/domain';
import { headerVariable, literal, nginxCannot, quoted, regexLiteral } from './nginx-text.js';

/**
 * Translates match conditions into nginx `map` and `geo` blocks. Every condition becomes a term: a
 * piece of an nginx value that evaluates to "1" when it holds and "0" otherwise (a literal "0"/"1"
 * when it is constant). A conjunction is a map of the concatenated terms equal to all ones; a
 * disjunction is a map of them containing a one.
 */
export class ConditionWriter {
  readonly blocks: string[] = [];
  #count = 0;
  readonly #service: string;
  readonly #prefix: string;

  constructor(service: string, prefix: string) {
    this.#service = service;
    this.#prefix = prefix;
  }

  /** A new variable name of this service. */
  variable(kind: string): string {
    this.#count += 1;
    return `$${this.#prefix}_${kind}${this.#count}`;
  }

  /** The term of all `conditions` holding ("1" for none). */
  all(conditions: readonly Condition[]): string {
    const terms = conditions.map((c) => this.condition(c));
    if (terms.includes('0')) return '0';
    const open = terms.filter((t) => t !== '1');
    if (open.length === 0) return '1';
    if (open.length === 1) return open[0] ?? '0';
    const out = this.variable('and');
    this.blocks.push(`map "${open.join('')}" ${out} {\n    ${quoted('1'.repeat(open.length))} 1;\n    default 0;\n}`);
    return `\${${out.slice(1)}}`;
  }

  condition(condition: Condition): string {
    switch (condition.kind) {
      case 'header':
        return this.#match(headerVariable(this.#service, condition.name), condition.match);
      case 'cookie':
        return this.#match(this.extract('cookie', '$http_cookie', `(?:^|;\\s*)${regexLiteral(condition.name)}=([^;]*)`), condition.match);
      case 'query':
        return this.#match(this.extract('arg', '$args', `(?:^|&)${regexLiteral(condition.name)}=([^&]*)`), condition.match);
      case 'pathPrefix':
        if (/[?#]/.test(condition.prefix)) return '0';
        return this.#map('$request_uri', [`~^${regexLiteral(condition.prefix)}`]);
      case 'method':
        return this.#map('$request_method', condition.methods.map((m) => literal(this.#service, 'method', m)));
      case 'sourceCidr':
        return this.#geo(condition.cidrs);
      case 'flag':
        return nginxCannot(this.#service, `flag "${condition.flag}": nginx cannot evaluate feature flags; use a header or segment route instead`);
      case 'anyOf':
        return this.#anyOf(condition.groups);
    }
  }

  /** A variable holding the first capture of `regex` over `source`, "" when it does not match. */
  extract(kind: string, source: string, regex: string): string {
    const out = this.variable(kind);
    this.blocks.push(`map ${source} ${out} {\n    ${quoted(`~${regex}`)} $1;\n    default "";\n}`);
    return out;
  }

  #anyOf(groups: readonly (readonly Condition[])[]): string {
    const terms = groups.map((g) => this.all(g));
    if (terms.includes('1')) return '1';
    const open = terms.filter((t) => t !== '0');
    if (open.length === 0) return '0';
    if (open.length === 1) return open[0] ?? '0';
    const out = this.variable('any');
    this.blocks.push(`map "${open.join('')}" ${out} {\n    "~1" 1;\n    default 0;\n}`);
    return `\${${out.slice(1)}}`;
  }

  /** An empty value never matches: nginx cannot tell an absent header from an empty one. */
  #match(source: string, match: StringMatch): string {
    if ('regex' in match) {
      const problem = pcreProblem(match.regex);
      if (problem !== undefined) nginxCannot(this.#service, `regex ${JSON.stringify(match.regex)} ${problem}`);
    }
    return this.#map(source, [`~^(?:${matchRegex(match)})$`]);
  }

  #map(source: string, keys: readonly string[]): string {
    const out = this.variable('c');
    const lines = ['    "" 0;', ...keys.map((k) => `    ${quoted(k)} 1;`), '    default 0;'];
    this.blocks.push(`map ${source} ${out} {\n${lines.join('\n')}\n}`);
    return `\${${out.slice(1)}}`;
  }

  #geo(cidrs: readonly string[]): string {
    const out = this.variable('ip');
    const lines = cidrs.map((c) => `    ${nginxCidr(this.#service, c)} 1;`);
    this.blocks.push(`geo $remote_addr ${out} {\n    default 0;\n${lines.join('\n')}\n}`);
    return `\${${out.slice(1)}}`;
  }
}

/**
 * Why nginx's PCRE would read a JavaScript regex differently or refuse it: `\u` escapes (an error in
 * PCRE) and the empty classes `[]` / `[^]` (PCRE takes the `]` as a member). Undefined when none.
 */
export function pcreProblem(source: string): string | undefined {
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      if (source[i + 1] === 'u') return 'uses a \\u escape, which nginx (PCRE) does not support; write the character itself';
      i++;
    } else if (c === '[' && (source.startsWith('[]', i) || source.startsWith('[^]', i))) {
      return 'uses an empty class [] or [^], which nginx (PCRE) reads differently';
    }
  }
  return undefined;
}

function matchRegex(match: StringMatch): string {
  if ('exact' in match) return regexLiteral(match.exact);
  if ('prefix' in match) return `${regexLiteral(match.prefix)}.*`;
  if ('regex' in match) return match.regex;
  return match.in.map(regexLiteral).join('|');
}

/**
 * A CIDR as nginx's geo module reads it. An IPv4-mapped IPv6 range (::ffff:a.b.c.d/96+) becomes the
 * IPv4 range: nginx looks IPv4 clients (and IPv4-mapped ones) up among IPv4 ranges only.
 */
export function nginxCidr(service: string, text: string): string {
  const range = parseCidr(text);
  if (range === undefined) return nginxCannot(service, `CIDR ${JSON.stringify(text)} is not a valid range`);
  const bits = [...range.mask].reduce((sum, word) => sum + popcount(word), 0);
  const [a = 0, b = 0, c = 0, d = 0] = range.network;
  if (a === 0 && b === 0 && c === 0xffff && bits >= 96) {
    return `${d >>> 24}.${(d >>> 16) & 255}.${(d >>> 8) & 255}.${d & 255}/${bits - 96}`;
  }
  const groups = [a, b, c, d].flatMap((w) => [(w >>> 16).toString(16), (w & 0xffff).toString(16)]);
  return `${groups.join(':')}/${bits}`;
}

function popcount(word: number): number {
  let n = word >>> 0;
  let count = 0;
  while (n !== 0) {
    count += n & 1;
    n >>>= 1;
  }
  return count;
}
