import { quoted } from './nginx-text.js';

/** Where an owned nginx keeps its files: everything under one state directory. */
export interface OwnedNginxPaths {
  readonly prefix: string;
  readonly mainConfig: string;
  readonly pidFile: string;
  readonly errorLog: string;
  readonly includeDir: string;
}

/** nginx's temporary directories, relative to the prefix. */
const TEMP_DIRS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];

/** The directories an owned nginx needs created before it starts. */
export function ownedDirectories(paths: OwnedNginxPaths): string[] {
  return [paths.prefix, paths.includeDir, ...TEMP_DIRS.map((d) => `${paths.prefix}/temp/${d}`)];
}

/**
 * The minimal main configuration of an nginx Sluice starts and owns: runs in the foreground under
 * Sluice, keeps its pid, logs and temporary files in the state directory, and includes one file per
 * service. `includes` replaces the directory glob (used to test a staged file before it goes live).
 * Running as root, the workers keep root's identity: the state directory need not be readable by nobody.
 */
export function renderMainConfig(paths: OwnedNginxPaths, options: { workers: number; includes?: readonly string[]; runningAsRoot: boolean }): string {
  const includes = options.includes ?? [`${paths.includeDir}/*.conf`];
  return [
    '# Written by Sluice for the nginx it owns.',
    ...(options.runningAsRoot ? ['user root root;'] : []),
    `worker_processes ${options.workers};`,
    `pid ${quoted(paths.pidFile)};`,
    `error_log ${quoted(paths.errorLog)} notice;`,
    'events {\n    worker_connections 4096;\n}',
    'http {',
    '    access_log off;',
    '    server_tokens off;',
    '    map_hash_bucket_size 128;',
    '    variables_hash_bucket_size 128;',
    '    variables_hash_max_size 4096;',
    ...TEMP_DIRS.map((d) => `    ${d}_temp_path ${quoted(`${paths.prefix}/temp/${d}`)};`),
    ...includes.map((file) => `    include ${quoted(file)};`),
    '}',
    '',
  ].join('\n');
}
