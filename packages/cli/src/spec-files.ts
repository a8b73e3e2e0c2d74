import { readFile, stat } from 'node:fs/promises';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { SpecFile } from './api-types.js';
import type { CliIo } from './cli-io.js';

/** Largest spec file the CLI sends; the server enforces the same limit on a request. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/** The name `-` (stdin) gets in error positions. */
export const STDIN_NAME = '<stdin>';

/** Reads every file named on the command line (`-` = stdin) as UTF-8, each at most 1 MiB. */
export async function readSpecFiles(paths: readonly string[], io: CliIo): Promise<SpecFile[]> {
  if (paths.filter((p) => p === '-').length > 1) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, 'stdin (-) is given more than once: name it at most once');
  }
  const files: SpecFile[] = [];
  for (const path of paths) {
    files.push(path === '-' ? { name: STDIN_NAME, text: await readStdin(io) } : { name: path, text: await readPath(path) });
  }
  return files;
}

async function readPath(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw new SluiceError(ErrorCode.INVALID_REQUEST, `cannot read ${path}: it is a directory, expected a YAML file`);
    }
    if (info.size > MAX_SPEC_BYTES) throw tooLarge(path, info.size);
    const bytes = await readFile(path);
    // The file may have grown between stat and read.
    if (bytes.length > MAX_SPEC_BYTES) throw tooLarge(path, bytes.length);
    return bytes.toString('utf8');
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `cannot read ${path}: ${describeFsError(error)}`, { cause: error });
  }
}

async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin ?? process.stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    size += bytes.length;
    if (size > MAX_SPEC_BYTES) throw tooLarge(STDIN_NAME, size, 'at least ');
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(name: string, bytes: number, qualifier = ''): SluiceError {
  const mib = (bytes / MAX_SPEC_BYTES).toFixed(1);
  return new SluiceError(
    ErrorCode.PAYLOAD_TOO_LARGE,
    `${name} is ${qualifier}${mib} MiB: a spec file may be at most 1 MiB; split it into several files`,
    { details: { file: name, bytes, limit: MAX_SPEC_BYTES } },
  );
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
