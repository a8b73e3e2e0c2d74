// The architecture, as a check run by `npm test`:
//  - each package imports only the packages (and npm dependencies) its layer allows;
//  - the domain imports nothing outside itself (no node:, no npm packages);
//  - the release center (packages/ui) imports Preact and only types from the other packages;
//  - plugin implementations (traffic/*, runtime/*, store/*) import only the domain, their own
//    plugin point's folder (its contract and shared base), never another plugin point;
//  - source files stay under 400 lines and functions under 60 (tests excepted).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 60;

/** What each package may import by bare specifier (besides relative paths inside itself). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  domain: [],
  spec: ['@sluice/domain', 'yaml', 'zod'],
  proxy: ['@sluice/domain', 'node:'],
  'control-plane': ['@sluice/domain', '@sluice/spec', '@sluice/proxy', 'node:', 'hono', '@hono/node-server', 'better-sqlite3', 'kysely', 'pg', 'prom-client', 'libpg-query', '@kubernetes/client-node'],
  // The SDK runs in browsers too: no node: imports.
  sdk: ['@sluice/domain', '@openfeature/core', '@openfeature/server-sdk', '@openfeature/web-sdk'],
  cli: ['@sluice/domain', '@sluice/spec', '@sluice/control-plane', 'node:', 'commander'],
  // The release center runs in browsers: Preact, uPlot (the rollout charts), and only types (`import type`) from the other packages.
  ui: ['preact', 'uplot', '@sluice/domain', '@sluice/cli/api-types', '@sluice/cli/api-calls'],
};
/** Packages whose imports of other Sluice packages must be `import type` (erased from the bundle). */
const TYPES_ONLY_SLUICE = ['ui'];
/**
 * The one runtime module the release center takes from another package: the API calls it shares with
 * the CLI. It must stay browser-safe, so every import in it must be `import type` (checked below).
 */
const SHARED_CALLS = { spec: '@sluice/cli/api-calls', file: 'packages/cli/src/api-calls.ts' } as const;
/** Test files may also use the test oracle and each package's own dev tools. */
const TEST_EXTRA = ['node:', 'murmurhash3js-revisited', '@sluice/proxy', '@sluice/control-plane', '@sluice/sdk', 'unleash-client', '@openfeature/server-sdk', '@openfeature/web-sdk', 'esbuild', 'yaml'];
/** The UI's browser tests drive Chromium. */
const UI_TEST_EXTRA = ['playwright-core'];
/** Plugin points inside the control plane: implementations live in subfolders of these. */
const PLUGIN_POINTS = ['traffic', 'runtime', 'store', 'providers'];

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.ts') || name.endsWith('.tsx')) out.push(path);
  }
  return out;
}

/** Whether the declaration brings in types only (`import type …`, `export type … from`), erased at build. */
function isTypeOnly(node: ts.Node): boolean {
  if (ts.isImportDeclaration(node)) return node.importClause?.isTypeOnly === true;
  return ts.isExportDeclaration(node) && node.isTypeOnly;
}

function importsOf(source: ts.SourceFile): { spec: string; line: number; typeOnly: boolean }[] {
  const found: { spec: string; line: number; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    let spec: ts.Expression | undefined;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) spec = node.moduleSpecifier;
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) spec = node.arguments[0];
    if (spec && ts.isStringLiteral(spec)) {
      found.push({ spec: spec.text, line: source.getLineAndCharacterOfPosition(spec.getStart()).line + 1, typeOnly: isTypeOnly(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function functionLengths(source: ts.SourceFile): { name: string; line: number; lines: number }[] {
  const out: { name: string; line: number; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = (node as ts.FunctionLikeDeclaration).name?.getText(source) ?? '(anonymous)';
      out.push({ name, line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function pluginFolder(rel: string): { point: string; impl: string | undefined } | undefined {
  const m = /^packages\/control-plane\/src\/([^/]+)\/(?:([^/]+)\/)?/.exec(rel);
  if (!m || !m[1] || !PLUGIN_POINTS.includes(m[1])) return undefined;
  return { point: m[1], impl: m[2] };
}

function checkImport(rel: string, spec: string, isTest: boolean, typeOnly: boolean): string | undefined {
  const pkg = rel.split('/')[1] ?? '';
  if (spec.startsWith('.')) {
    const target = relative(root, resolve(root, dirname(rel), spec));
    if (!target.startsWith(`packages/${pkg}/`)) return `relative import leaves package ${pkg}: use the package name`;
    const from = pluginFolder(rel);
    const to = pluginFolder(target);
    if (from?.impl && to && to.point !== from.point) {
      return `plugin implementation ${from.point}/${from.impl} may import only the domain and its own plugin point, not ${to.point}/`;
    }
    if (from?.impl && !to && !isTest) return `plugin implementation ${from.point}/${from.impl} may not import ${target}`;
    return undefined;
  }
  // The SDK's Node entry (src/node/) may use node: — the browser bundle never includes it.
  const nodeEntry = pkg === 'sdk' && rel.startsWith('packages/sdk/src/node/') ? ['node:'] : [];
  if (TYPES_ONLY_SLUICE.includes(pkg) && !isTest && spec.startsWith('@sluice/') && !typeOnly && spec !== SHARED_CALLS.spec) return `package ${pkg} may import only types from "${spec}": write \`import type\``;
  const testExtra = isTest && pkg !== 'domain' ? [...TEST_EXTRA, ...(pkg === 'ui' ? UI_TEST_EXTRA : [])] : [];
  const allowed = [...(ALLOWED[pkg] ?? []), ...nodeEntry, ...testExtra];
  // Domain tests may parse SQL with PostgreSQL's parser (libpg-query) to feed the pure lint rules real ASTs.
  if (pkg === 'domain' && isTest && (spec.startsWith('node:') || spec === 'murmurhash3js-revisited' || spec === 'libpg-query')) return undefined;
  const ok = allowed.some((a) => (a.endsWith(':') ? spec.startsWith(a) : spec === a || spec.startsWith(`${a}/`)));
  return ok ? undefined : `package ${pkg} may not import "${spec}" (allowed: ${allowed.join(', ') || 'nothing outside itself'})`;
}

const failures: string[] = [];
for (const file of walk(join(root, 'packages'))) {
  const rel = relative(root, file);
  if (!rel.includes('/src/')) continue;
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const isTest = /\.(test|contract)\.ts$/.test(rel) || rel.includes('/testing/');
  for (const { spec, line, typeOnly } of importsOf(source)) {
    const problem = checkImport(rel, spec, isTest, typeOnly);
    if (problem) failures.push(`${rel}:${line}: ${problem}`);
    if (rel === SHARED_CALLS.file && !typeOnly) failures.push(`${rel}:${line}: the calls shared with the browser may import only types, not "${spec}" (write \`import type\`)`);
  }
  if (isTest) continue;
  const lines = text.split('\n').length;
  if (lines > MAX_FILE_LINES) failures.push(`${rel}: ${lines} lines (limit ${MAX_FILE_LINES}): split it by responsibility`);
  for (const fn of functionLengths(source)) {
    if (fn.lines > MAX_FUNCTION_LINES) failures.push(`${rel}:${fn.line}: function ${fn.name} is ${fn.lines} lines (limit ${MAX_FUNCTION_LINES})`);
  }
}
if (failures.length > 0) {
  console.error(`check-layers: ${failures.length} problem(s)\n${failures.join('\n')}`);
  process.exit(1);
}
console.log('check-layers: ok (layers, plugin isolation, file and function sizes)');
