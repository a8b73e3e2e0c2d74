import type { RequestView } from '@sluice/domain';
import { readCookie } from '../sticky-key.js';
import { equalsLower, isCrlf, latin1, skipSpaces, trimEnd } from './head-bytes.js';
import type { RequestHead } from './request-head.js';

/**
 * The request attributes routing rules read, straight from the bytes of a parsed head: a header is
 * found by scanning the head when a rule asks for it, so a route whose rules look at one header pays
 * for one scan of a few hundred bytes and allocates only the value.
 */
export class FastRequestView implements RequestView {
  readonly #head: RequestHead;
  readonly sourceIp: string;
  readonly stickyKey: string;
  #query: URLSearchParams | undefined;

  constructor(head: RequestHead, sourceIp: string, stickyKey: string) {
    this.#head = head;
    this.sourceIp = sourceIp;
    this.stickyKey = stickyKey;
  }

  get method(): string {
    return this.#head.method;
  }

  get path(): string {
    const target = this.#head.target;
    const q = target.indexOf('?');
    return q === -1 ? target : target.slice(0, q);
  }

  header(lowerName: string): string | undefined {
    return headerValue(this.#head, lowerName);
  }

  cookie(name: string): string | undefined {
    const header = headerValue(this.#head, 'cookie');
    return header === undefined ? undefined : readCookie(header, name);
  }

  query(name: string): string | undefined {
    if (this.#query === undefined) {
      const target = this.#head.target;
      const q = target.indexOf('?');
      this.#query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
    }
    return this.#query.get(name) ?? undefined;
  }
}

/**
 * Fields node:http keeps only the first of when a request repeats them (IncomingMessage's
 * matchKnownFields): rules must read them as the node:http path does.
 */
const FIRST_ONLY = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
]);

/** The value of header `lowerName` as node:http's `req.headers` has it: the first of FIRST_ONLY fields, "; "-joined cookies, else ", "-joined values. */
export function headerValue(head: RequestHead, lowerName: string): string | undefined {
  return scanHeader(head, lowerName, FIRST_ONLY.has(lowerName));
}

/** The first non-empty value of header `lowerName` (how the stickiness key is read on both paths), or undefined. */
export function firstHeaderValue(head: RequestHead, lowerName: string): string | undefined {
  return scanHeader(head, lowerName, true, true);
}

function scanHeader(head: RequestHead, lowerName: string, firstOnly: boolean, skipEmpty = false): string | undefined {
  const { buf, headEnd } = head;
  const end = headEnd - 2;
  let value: string | undefined;
  // The head was validated by the parser: every line is `name:value CRLF`, the first one the request line.
  let at = buf.indexOf(10, head.start) + 1;
  while (at < end) {
    const cr = buf.indexOf(13, at);
    const colon = buf.indexOf(0x3a, at);
    if (cr === -1 || !isCrlf(buf, cr)) return value;
    if (colon !== -1 && colon < cr && equalsLower(buf, at, colon, lowerName)) {
      const start = skipSpaces(buf, colon + 1, cr);
      const text = latin1(buf, start, trimEnd(buf, start, cr));
      if (!(skipEmpty && text === '')) {
        if (firstOnly) return text;
        value = value === undefined ? text : `${value}${lowerName === 'cookie' ? '; ' : ', '}${text}`;
      }
    }
    at = cr + 2;
  }
  return value;
}
