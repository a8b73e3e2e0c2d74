/**
 * Unleash's REGEX operator follows the Rust `regex` crate (the Yggdrasil engine): search semantics,
 * inline flags like `(?i)`, POSIX classes like `[[:alpha:]]`, and no look-around or backreferences.
 * This translates such a pattern to a JavaScript RegExp, or returns undefined when the pattern is
 * invalid or uses a feature the Rust dialect rejects (so the constraint never matches).
 */

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: '0-9a-zA-Z',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\t\\n\\v\\f\\r ',
  xdigit: '0-9A-Fa-f',
  word: '0-9A-Za-z_',
  blank: '\\t ',
  punct: '!-\\/:-@\\[-`{-~',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
  ascii: '\\x00-\\x7f',
};

interface Translation {
  source: string;
  flags: Set<string>;
}

/** Handles a `(?` group opener at `i`; returns the index after it, or -1 when the construct is rejected. */
function groupOpener(pattern: string, i: number, out: Translation): number {
  const rest = pattern.slice(i);
  const inline = /^\(\?([ims]+)\)/.exec(rest);
  if (inline) {
    for (const flag of inline[1] as string) out.flags.add(flag);
    return i + inline[0].length;
  }
  if (rest.startsWith('(?:')) {
    out.source += '(?:';
    return i + 3;
  }
  const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
  if (named) {
    out.source += `(?<${named[1] as string}>`;
    return i + named[0].length;
  }
  return -1; // look-ahead, look-behind, scoped flags: not in the Rust dialect (or not portable)
}

/** Copies a bracket class starting at `i`, expanding POSIX classes; returns the index after it or -1. */
function bracketClass(pattern: string, i: number, out: Translation): number {
  let j = i + 1;
  out.source += '[';
  if (pattern[j] === '^') {
    out.source += '^';
    j++;
  }
  let first = true;
  while (j < pattern.length) {
    const c = pattern[j] as string;
    if (c === ']' && !first) {
      out.source += ']';
      return j + 1;
    }
    first = false;
    const posix = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(j));
    if (posix) {
      const cls = POSIX_CLASSES[posix[2] as string];
      if (cls === undefined || posix[1] === '^') return -1;
      out.source += cls;
      j += posix[0].length;
    } else if (c === '\\') {
      out.source += pattern.slice(j, j + 2);
      j += 2;
    } else {
      out.source += c === '[' ? '\\[' : c === ']' ? '\\]' : c;
      j++;
    }
  }
  return -1;
}

function translate(pattern: string): Translation | undefined {
  const out: Translation = { source: '', flags: new Set() };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined || /[1-9k]/.test(next)) return undefined; // backreferences
      out.source += c + next;
      i += 2;
    } else if (c === '(' && pattern[i + 1] === '?') {
      i = groupOpener(pattern, i, out);
      if (i < 0) return undefined;
    } else if (c === '[') {
      i = bracketClass(pattern, i, out);
      if (i < 0) return undefined;
    } else {
      out.source += c;
      i++;
    }
  }
  return out;
}

const cache = new Map<string, RegExp | null>();
const CACHE_LIMIT = 1000;

/** The compiled pattern (search semantics), or undefined when it is invalid or rejected. */
export function compileUnleashRegex(pattern: string, caseInsensitive: boolean): RegExp | undefined {
  const key = `${caseInsensitive ? 'i' : '-'}${pattern}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached ?? undefined;
  let compiled: RegExp | null = null;
  const t = translate(pattern);
  if (t) {
    if (caseInsensitive) t.flags.add('i');
    try {
      compiled = new RegExp(t.source, `u${[...t.flags].sort().join('')}`);
    } catch {
      compiled = null;
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, compiled);
  return compiled ?? undefined;
}
