// `npm test`: install, build, type-check, check the architecture, run every test.
// `npm test -- <path-fragment>` runs only test files whose path contains the fragment.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build, ensureInstalled, root, run } from './ensure-installed.mjs';

ensureInstalled();
build();
const tsx = ['--import', 'tsx', '--conditions=sluice-source'];
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit']);
// The release center: its browser code (DOM, JSX) and its Node-side tests have configs of their own.
run(process.execPath, [tsc, '-p', 'packages/ui/tsconfig.json']);
run(process.execPath, [tsc, '-p', 'packages/ui/tsconfig.test.json']);
run(process.execPath, [...tsx, 'tools/check-layers.ts']);
run(process.execPath, [...tsx, 'tools/check-error-docs.ts']);

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}
const filter = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = [...findTests(join(root, 'packages')), ...findTests(join(root, 'tools')), ...findTests(join(root, 'bench'))]
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error(`No test files match ${filter.join(' ')}`);
  process.exit(2);
}
console.log(`Running ${files.length} test files`);
const result = spawnSync(process.execPath, [
  ...tsx, '--test', '--test-concurrency=2',
  '--test-reporter=tap', '--test-reporter-destination=stdout',
  '--test-reporter=./scripts/summary-reporter.mjs', '--test-reporter-destination=stdout',
  ...files,
], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
