import { accessSync, constants } from 'node:fs';

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx', '/usr/bin/nginx'];

/** The nginx executable: $SLUICE_NGINX, else the usual install paths, else any `nginx` on PATH; undefined when none. */
export function nginxBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const pathDirs = (env.PATH ?? '').split(':').filter((d) => d !== '').map((d) => `${d}/nginx`);
  const candidates = [...(env.SLUICE_NGINX === undefined ? [] : [env.SLUICE_NGINX]), ...CANDIDATES, ...pathDirs];
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * For tests: the nginx binary, or undefined after printing a SKIP line when nginx is not installed.
 * With CI=true a missing nginx is a failure instead.
 */
export function nginxForTests(): string | undefined {
  const binary = nginxBinary();
  if (binary !== undefined) return binary;
  const line = 'nginx not found (set SLUICE_NGINX): these tests need Debian package nginx';
  if (process.env.CI === 'true') throw new Error(line);
  console.log(`SKIP: ${line}`);
  return undefined;
}
