import type { FuzzRandom } from '@sluice/domain/testing/fuzz-random';
import { parse, stringify } from 'yaml';

/**
 * Mutations of resource documents for the parser fuzz test: line edits, byte flips, structural edits
 * of the parsed value (wrong types, huge numbers, long strings, deep nesting) written back as YAML or
 * JSON, and hostile YAML (anchors and alias bombs, NULs, unicode, broken flow collections).
 */
export function mutateSpec(rng: FuzzRandom, seeds: readonly string[]): string {
  const seed = rng.pick(seeds);
  const rounds = rng.range(1, 4);
  let text = rng.chance(0.35) ? structural(rng, seed) : seed;
  for (let i = 0; i < rounds; i++) text = textual(rng, text);
  return text;
}

const HOSTILE: readonly ((rng: FuzzRandom) => string)[] = [
  (rng) => `${'['.repeat(rng.range(10, 5000))}1${']'.repeat(rng.int(3) === 0 ? 0 : 5000)}`,
  (rng) => `${'{a: '.repeat(rng.range(10, 3000))}1${'}'.repeat(rng.range(0, 3000))}`,
  (rng) => Array.from({ length: rng.range(10, 400) }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' end',
  (rng) => `${'- '.repeat(rng.range(10, 2000))}x`,
  // Billion laughs: each level doubles the size when resolved.
  (rng) => `a0: &a0 [lol, lol]\n${Array.from({ length: rng.range(5, 30) }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}, *a${i}, *a${i}, *a${i}]`).join('\n')}\nkind: *a${rng.range(1, 5)}\n`,
  () => 'apiVersion: sluice.dev/v1\nkind: *nope\n',
  () => 'a: &x { b: *x }\n',
  () => '&a [*a]\n',
  () => '!!binary ZZZ\n',
  () => '%YAML 9.9\n---\nkind: Service\n',
  () => '? [complex, key]\n: value\n',
  (rng) => `kind: "${'\\u'.repeat(rng.range(1, 50))}"\n`,
  (rng) => `kind: ${'9'.repeat(rng.range(20, 2000))}\n`,
  (rng) => `kind: ${rng.unicode(rng.range(1, 200))}\n`,
  (rng) => `${'---\n'.repeat(rng.range(90, 130))}kind: Service\n`,
  (rng) => Array.from({ length: rng.chance(0.1) ? rng.range(95, 110) : rng.range(2, 20) }, () => 'apiVersion: sluice.dev/v1\nkind: Segment\nmetadata: { name: s }\nspec: {}\n').join('---\n'),
  (rng) => `{"apiVersion":"sluice.dev/v1","kind":"Service","metadata":{"name":"${rng.string(rng.range(1, 300), 'ab-\\"\u0000\u2028')}"}}`,
  (rng) => `\u0000${rng.unicode(rng.range(0, 40))}`,
  (rng) => `\ufeff${rng.pick(['', '\ufeff', '\r', '\t'])}kind: Service\n`,
];

/** One hostile document from the list above, for the fraction of inputs that start from nothing. */
export function hostileSpec(rng: FuzzRandom): string {
  return rng.pick(HOSTILE)(rng);
}

function textual(rng: FuzzRandom, text: string): string {
  const lines = text.split('\n');
  const at = rng.int(lines.length);
  const line = lines[at] ?? '';
  switch (rng.int(10)) {
    case 0:
      lines.splice(at, 1);
      break;
    case 1:
      lines.splice(at, 0, line);
      break;
    case 2: {
      const other = rng.int(lines.length);
      lines[at] = lines[other] ?? '';
      lines[other] = line;
      break;
    }
    case 3:
      lines[at] = flip(rng, line);
      break;
    case 4:
      lines[at] = `${line.slice(0, rng.int(line.length + 1))}${rng.pick(['\u0000', '\t', '\r', '"', "'", '{', '[', ':', '#', '&a ', '*a', '!!str ', '- ', '|', '>', '%'])}${line.slice(rng.int(line.length + 1))}`;
      break;
    case 5:
      lines[at] = line.replace(/\d+/, () => rng.pick(['1e309', '-0', '99999999999999999999999', 'NaN', '.inf', '-.inf', '0x7fffffff', '1_000', '0.0000001']));
      break;
    case 6:
      lines[at] = line.replace(/(:\s*)(\S.*)?$/, (_, colon: string) => `${colon}${rng.pick(['', 'null', '~', '[]', '{}', 'true', '"x"', '-1', `"${'x'.repeat(rng.chance(0.02) ? rng.range(10_000, 100_000) : rng.range(100, 2000))}"`, rng.unicode(20)])}`);
      break;
    case 7:
      lines[at] = `${' '.repeat(rng.int(12))}${line.trimStart()}`;
      break;
    case 8:
      lines.splice(at, 0, hostileSpec(rng));
      break;
    default:
      return text.slice(0, rng.int(text.length + 1));
  }
  return lines.join('\n');
}

function flip(rng: FuzzRandom, line: string): string {
  if (line.length === 0) return rng.unicode(1);
  const i = rng.int(line.length);
  return `${line.slice(0, i)}${rng.unicode(1)}${line.slice(i + 1)}`;
}

/** Parses the seed, edits one random node of each document, writes it back as YAML or JSON. */
function structural(rng: FuzzRandom, seed: string): string {
  const docs = seed.split(/^---$/m).filter((d) => d.trim() !== '').map((d) => parse(d) as unknown);
  const edited = docs.map((doc) => editRandomNode(rng, doc, 0));
  if (rng.chance(0.3)) return edited.map((d) => JSON.stringify(d) ?? 'null').join('\n---\n');
  return edited.map((d) => stringify(d, { aliasDuplicateObjects: false })).join('---\n');
}

function editRandomNode(rng: FuzzRandom, value: unknown, depth: number): unknown {
  const children = value !== null && typeof value === 'object' ? Object.keys(value) : [];
  if (children.length > 0 && (depth < 2 || rng.chance(0.7))) {
    const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
    const key = rng.pick(children);
    const target = copy as Record<string, unknown>;
    if (rng.chance(0.1)) delete target[key];
    else target[key] = editRandomNode(rng, target[key], depth + 1);
    if (rng.chance(0.05)) target[rng.pick(['__proto__', 'constructor', 'extra', rng.unicode(5)])] = replacement(rng);
    return copy;
  }
  return replacement(rng);
}

function replacement(rng: FuzzRandom): unknown {
  switch (rng.int(12)) {
    case 0: return null;
    case 1: return rng.pick([true, false]);
    case 2: return rng.pick([0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, 101, 1e21]);
    case 3: return 'x'.repeat(rng.chance(0.02) ? rng.range(20_000, 200_000) : rng.range(200, 5000));
    case 4: return rng.unicode(rng.range(0, 64));
    case 5: return [];
    case 6: return {};
    case 7: return Array.from({ length: rng.chance(0.1) ? rng.range(500, 3000) : rng.range(10, 200) }, (_, i) => ({ setWeight: i % 101 }));
    case 8: return nested(rng.range(20, 400));
    case 9: return rng.pick(['30s', '0s', '-1s', '99999999h', '1.5ms', 'ms', '', '127.0.0.1:99999', 'http://[::1', 'v1', 'shop']);
    case 10: return { [rng.unicode(4)]: rng.unicode(4) };
    default: return rng.string(rng.range(1, 30), 'abcXYZ-_.:/09 ');
  }
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}
