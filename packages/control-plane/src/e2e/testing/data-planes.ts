import { accessSync, constants } from 'node:fs';

/** A data plane the rollout e2e suites run on, with the `sluice server` arguments that choose it. */
export interface DataPlaneUnderTest {
  readonly kind: 'builtin' | 'nginx' | 'haproxy';
  readonly args: readonly string[];
}

const ENGINES = [
  { kind: 'nginx', env: 'SLUICE_NGINX', paths: ['/usr/sbin/nginx', '/usr/local/sbin/nginx'], pkg: 'nginx' },
  { kind: 'haproxy', env: 'SLUICE_HAPROXY', paths: ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'], pkg: 'haproxy' },
] as const;

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The data planes to run a rollout suite on: the built-in proxy, and nginx and HAProxy when installed
 * (a missing one prints a SKIP line naming its Debian package; with CI=true it is a failure).
 * SLUICE_E2E_DATA_PLANES=builtin,nginx narrows the list.
 */
export function dataPlanesUnderTest(env: NodeJS.ProcessEnv = process.env): DataPlaneUnderTest[] {
  const wanted = (env.SLUICE_E2E_DATA_PLANES ?? 'builtin,nginx,haproxy').split(',').map((s) => s.trim());
  const planes: DataPlaneUnderTest[] = wanted.includes('builtin') ? [{ kind: 'builtin', args: [] }] : [];
  for (const engine of ENGINES) {
    if (!wanted.includes(engine.kind)) continue;
    const own = env[engine.env];
    if ((own !== undefined && executable(own)) || engine.paths.some(executable)) {
      planes.push({ kind: engine.kind, args: ['--data-plane', engine.kind] });
      continue;
    }
    const line = `${engine.kind} not found: the rollout e2e suite on ${engine.kind} needs Debian package ${engine.pkg}`;
    if (env.CI === 'true') throw new Error(line);
    console.log(`SKIP: ${line}`);
  }
  return planes;
}
