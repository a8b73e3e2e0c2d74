// Installs npm dependencies when node_modules is missing or older than the lockfile.
// Plain JavaScript with no dependencies: it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`\n${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

export function ensureInstalled() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const stale = !existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs;
  const native = join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (!stale && existsSync(native)) return;
  console.log('Installing dependencies (first run compiles SQLite, about 2 minutes)…');
  // better-sqlite3 builds from source here; node-gyp must use the local Node headers, not download them.
  const env = { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr' };
  run('npm', existsSync(marker) ? ['install', '--no-audit', '--no-fund'] : ['ci', '--no-audit', '--no-fund'], { env });
}

export function build() {
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b',
    'packages/cli/tsconfig.build.json', 'packages/control-plane/tsconfig.build.json', 'packages/sdk/tsconfig.build.json']);
  // The release center (packages/ui/dist), served by the control plane at /ui/; under a second.
  run(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: join(root, 'packages', 'ui') });
}
