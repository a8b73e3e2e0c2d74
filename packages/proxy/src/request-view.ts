import type { IncomingMessage } from 'node:http';
import type { RequestView } from '@sluice/domain';
import { readCookie } from './sticky-key.js';

/**
 * The request attributes routing rules read, parsed only when a rule asks: most requests on a
 * route with no rules never build one, and a header rule never parses the query string.
 */
export class NodeRequestView implements RequestView {
  readonly #req: IncomingMessage;
  readonly stickyKey: string;
  #query: URLSearchParams | undefined;

  constructor(req: IncomingMessage, stickyKey: string) {
    this.#req = req;
    this.stickyKey = stickyKey;
  }

  get method(): string {
    return this.#req.method ?? 'GET';
  }

  get path(): string {
    const url = this.#req.url ?? '/';
    const q = url.indexOf('?');
    return q === -1 ? url : url.slice(0, q);
  }

  get sourceIp(): string {
    return this.#req.socket.remoteAddress ?? '';
  }

  header(lowerName: string): string | undefined {
    const value = this.#req.headers[lowerName];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  cookie(name: string): string | undefined {
    const header = this.#req.headers.cookie;
    return header === undefined ? undefined : readCookie(header, name);
  }

  query(name: string): string | undefined {
    if (this.#query === undefined) {
      const url = this.#req.url ?? '/';
      const q = url.indexOf('?');
      this.#query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    }
    return this.#query.get(name) ?? undefined;
  }
}
