import type { Duplex } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { Logger } from '../platform/logger.js';
import { toErrorResponse } from './error-response.js';

/** Node's HTTP parser errors that mean the request head was too large. */
const TOO_LARGE = new Set(['HPE_HEADER_OVERFLOW', 'HPE_URI_TOO_LONG']);

/**
 * Answers a request Node's HTTP parser refused before the API saw it (a malformed request line, a
 * head over 16 KiB) with the API's JSON error shape instead of Node's bare status line, then closes
 * the connection: what follows on it cannot be trusted. Nothing is written to a socket that is gone.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex, log: Logger): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code !== undefined && TOO_LARGE.has(error.code);
  const refusal = tooLarge
    ? new SluiceError(ErrorCode.PAYLOAD_TOO_LARGE, 'The request line and headers are larger than 16 KiB', { details: { maxHeaderBytes: 16 * 1024 } })
    : new SluiceError(ErrorCode.INVALID_REQUEST, `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`, {
        problems: [{ message: 'malformed request line or headers', expected: 'METHOD /path HTTP/1.1, then header lines' }],
      });
  const { body } = toErrorResponse(refusal, log);
  const text = JSON.stringify(body);
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
}

/** Serves `fetch` on host:port (0: any free port); resolves with the server and its real port. */
export function listenApi(fetch: (req: Request) => Response | Promise<Response>, host: string, port: number, log: Logger): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolvePromise, reject) => {
    const server = serve({ fetch, hostname: host, port }, (info) => resolvePromise({ server, port: info.port }));
    server.once('error', reject);
    // Requests Node's parser refuses get the API's JSON error, not a bare status line.
    server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => answerClientError(error, socket, log));
  });
}
