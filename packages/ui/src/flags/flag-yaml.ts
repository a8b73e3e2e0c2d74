import type { FlagEnvironmentSpec, FlagSpec, Problem } from '@sluice/domain';

/**
 * The rules editor's text: one environment's settings of a flag as YAML (all but `enabled`, which the
 * switch and the kill switch own), and the whole Flag document `POST /apply` takes, built around it so
 * that the server's line:col of a problem maps back to the editor's own lines.
 */

const PLAIN = /^[A-Za-z_][A-Za-z0-9_./@-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n)$/i;

/** A scalar as YAML: plain when unambiguous, else a JSON string (valid YAML double-quoted). */
function scalar(value: unknown): string {
  if (typeof value === 'string') return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  return String(value);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalarList = (value: unknown[]): boolean => value.every((v) => !isObject(v) && !Array.isArray(v));

/** Block YAML lines of an object, each indented by `indent` spaces; empty lists are left out. */
export function toYamlLines(value: Record<string, unknown>, indent = 0): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    if (Array.isArray(v) && isScalarList(v)) lines.push(`${pad}${key}: [${v.map(scalar).join(', ')}]`);
    else if (Array.isArray(v)) lines.push(`${pad}${key}:`, ...v.flatMap((item) => listItem(item, indent + 2)));
    else if (isObject(v)) lines.push(...(Object.keys(v).length === 0 ? [`${pad}${key}: {}`] : [`${pad}${key}:`, ...toYamlLines(v, indent + 2)]));
    else lines.push(`${pad}${key}: ${scalar(v)}`);
  }
  return lines;
}

function listItem(item: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (!isObject(item)) return [`${pad}- ${Array.isArray(item) ? JSON.stringify(item) : scalar(item)}`];
  const [first = `${pad}  {}`, ...rest] = toYamlLines(item, indent + 2);
  return [`${pad}- ${first.trimStart()}`, ...rest];
}

/** The editor's starting text: the environment's overrides, rules, default and variant weights. */
export function environmentYaml(env: FlagEnvironmentSpec | undefined): string {
  if (env === undefined) return 'rules: []\ndefault:\n  rollout: 0\n  stickiness: default\n';
  const { overrides, rules, default: fallback, variantWeights } = env;
  const lines = toYamlLines({ overrides, rules, default: fallback, variantWeights });
  return `${lines.join('\n')}\n`;
}

/** The settings the editor owns (everything but `enabled`), for "did someone else change them?". */
export function editableSettings(env: FlagEnvironmentSpec | undefined): string {
  if (env === undefined) return '';
  const { enabled: _enabled, ...rest } = env;
  return JSON.stringify(rest);
}

/** Indent of the editor's lines inside the document (`spec.environments.ENV.`). */
export const EDITOR_INDENT = 6;

export interface FlagDocument {
  readonly text: string;
  /** The document line (1-based) of the editor's first line. */
  readonly firstLine: number;
}

/** The whole Flag document: the flag as stored, with `environment`'s settings replaced by the editor's text. */
export function flagDocument(name: string, spec: FlagSpec, environment: string, editorText: string): FlagDocument {
  const json = (v: unknown) => JSON.stringify(v);
  const head = ['apiVersion: sluice.dev/v1', 'kind: Flag', `metadata: { name: ${json(name)} }`, 'spec:', `  kind: ${json(spec.kind)}`, `  type: ${json(spec.type)}`];
  if (spec.description !== undefined) head.push(`  description: ${json(spec.description)}`);
  if (spec.owner !== undefined) head.push(`  owner: ${json(spec.owner)}`);
  head.push(`  variants: ${json(spec.variants)}`, `  prerequisites: ${json(spec.prerequisites)}`, '  environments:');
  const names = Object.keys(spec.environments);
  if (!names.includes(environment)) names.push(environment);
  const lines = [...head];
  let firstLine = 0;
  for (const env of names) {
    if (env !== environment) {
      lines.push(`    ${env}: ${json(spec.environments[env])}`);
      continue;
    }
    lines.push(`    ${env}:`, `      enabled: ${spec.environments[env]?.enabled === true}`);
    firstLine = lines.length + 1;
    lines.push(...editorText.replace(/\s+$/, '').split('\n').map((l) => (l === '' ? '' : `${' '.repeat(EDITOR_INDENT)}${l}`)));
  }
  return { text: `${lines.join('\n')}\n`, firstLine };
}

/** A server problem placed in the editor: its line and column there, or none when it lies outside. */
export interface EditorProblem {
  readonly line?: number;
  readonly col?: number;
  readonly path?: string;
  readonly message: string;
  readonly expected?: string;
}

export function editorProblems(problems: readonly Problem[], doc: FlagDocument, editorLines: number): EditorProblem[] {
  return problems.map((p) => {
    const base = { message: p.message, ...(p.path === undefined ? {} : { path: p.path }), ...(p.expected === undefined ? {} : { expected: p.expected }) };
    if (p.line === undefined) return base;
    const line = p.line - doc.firstLine + 1;
    if (line < 1 || line > editorLines) return base;
    return { ...base, line, col: Math.max(1, (p.col ?? 1) - EDITOR_INDENT) };
  });
}
