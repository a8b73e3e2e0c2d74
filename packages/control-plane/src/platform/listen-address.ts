import { ErrorCode, SluiceError } from '@sluice/domain';

/** Parses "host:port" (IPv6 as "[::1]:7070"); port 0 asks the OS for a free one. */
export function parseListen(text: string, where: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2];
  if (!m || host === undefined || port > 65535) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `${where}: "${text}" is not a listen address`, {
      problems: [{ path: where, message: 'not host:port', found: text, expected: 'HOST:PORT, e.g. 127.0.0.1:7070' }],
    });
  }
  return { host, port };
}
