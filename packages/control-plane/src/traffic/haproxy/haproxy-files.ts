import { rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { ErrorCode, SluiceError } from '@sluice/domain';

/** Writes `text` to `path` atomically (temp file, then rename), so HAProxy never reads half a file. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode: 0o600 });
  await rename(temp, path);
}

/** Removes a file, ignoring one that is not there. */
export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** Splits "host:port" / "[v6]:port"; INVALID_REQUEST otherwise. */
export function splitListen(listen: string): { readonly host: string; readonly port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(listen);
  const port = Number(match?.[3]);
  if (match === null || port > 65_535) throw new SluiceError(ErrorCode.INVALID_REQUEST, `HAProxy data plane: listen "${listen}" is not host:port`);
  return { host: match[1] ?? match[2] ?? '', port };
}

/**
 * The address HAProxy binds for `listen`. Port 0 is resolved here to a free port, because a seamless
 * reload hands listening sockets over by address: the port must stay the same across reloads.
 */
export async function resolveListen(listen: string): Promise<string> {
  const { host, port } = splitListen(listen);
  const format = (p: number) => (host.includes(':') ? `[${host}]:${p}` : `${host}:${p}`);
  if (port !== 0) return format(port);
  const free = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(chosen));
    });
  });
  return format(free);
}
