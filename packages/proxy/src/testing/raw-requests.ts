import type { FuzzRandom } from '@sluice/domain/testing/fuzz-random';

/** The path a smuggled request asks for: the backend must never receive it. */
export const SMUGGLED_PATH = '/smuggled';

/** One fuzz input for the proxy: bytes sent in parts (a pause between them), and what kind it is. */
export interface RawInput {
  readonly kind: 'valid' | 'mutated' | 'huge-head' | 'smuggling' | 'chunked' | 'slow' | 'random';
  readonly parts: readonly Buffer[];
  readonly pauseMs: number;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'];

function validRequest(rng: FuzzRandom, close: boolean): string {
  const method = rng.pick(METHODS);
  const body = method === 'GET' || method === 'HEAD' || rng.chance(0.5) ? '' : rng.string(rng.range(0, 200), 'abc\r\n{}"');
  const headers = ['Host: shop'];
  if (rng.chance(0.3)) headers.push(`x-user-id: ${rng.string(rng.range(1, 20), 'abcdef0123')}`);
  if (rng.chance(0.2)) headers.push(`Cookie: s=${rng.string(8, 'abcdef')}; other=1`);
  if (rng.chance(0.2)) headers.push(`X-Forwarded-For: 10.0.0.${rng.int(255)}`);
  if (body !== '' || rng.chance(0.2)) headers.push(`Content-Length: ${body.length}`);
  if (close) headers.push('Connection: close');
  const path = `/${rng.string(rng.range(0, 30), 'abc/?=&%-._~')}`;
  return `${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
}

/** An ambiguous framing whose body holds a complete request for SMUGGLED_PATH. Each shape is one the proxy must refuse. */
function smuggling(rng: FuzzRandom): string {
  const inner = `GET ${SMUGGLED_PATH} HTTP/1.1\r\nHost: shop\r\n\r\n`;
  const te = rng.pick(['Transfer-Encoding: chunked', 'transfer-encoding: chunked', 'Transfer-Encoding:  chunked ', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked', 'Transfer-Encoding: gzip', 'Transfer-Encoding: chunked, identity', 'Transfer-Encoding : chunked', 'Transfer-Encoding:\tchunked']);
  const cl = `Content-Length: ${rng.pick([0, 4, 5, inner.length + 5])}`;
  const chunkedBody = `0\r\n\r\n${inner}`;
  const shapes = [
    `POST / HTTP/1.1\r\nHost: shop\r\n${cl}\r\n${te}\r\n\r\n${chunkedBody}`,
    `POST / HTTP/1.1\r\nHost: shop\r\n${te}\r\n${cl}\r\n\r\n${chunkedBody}`,
    `POST / HTTP/1.1\r\nHost: shop\r\nContent-Length: 0\r\nContent-Length: ${inner.length}\r\n\r\n${inner}`,
    `POST / HTTP/1.1\r\nHost: shop\r\nContent-Length: ${inner.length}, 0\r\n\r\n${inner}`,
    `POST / HTTP/1.1\r\nHost: shop\r\nContent-Length: 0\r\n Content-Length: ${inner.length}\r\n\r\n${inner}`,
    `POST / HTTP/1.0\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n${chunkedBody}`,
    `POST / HTTP/1.1\r\nHost: shop\nTransfer-Encoding: chunked\r\n\r\n${chunkedBody}`,
    `POST / HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n${rng.pick(['zz', '-1', 'fffffffffffffffff1', '0x5', ' 5'])}\r\nhello\r\n0\r\n\r\n${inner}`,
    `POST / HTTP/1.1\r\nHost: shop\r\nHost: evil\r\nContent-Length: 0\r\n\r\n${inner}`,
  ];
  return rng.pick(shapes);
}

function chunked(rng: FuzzRandom): string {
  const chunks = Array.from({ length: rng.range(0, 4) }, () => {
    const data = rng.string(rng.range(0, 20), 'xyz');
    const size = rng.chance(0.7) ? data.length.toString(16) : rng.pick(['', 'g', '-0', '00000000000000001', `${data.length + 1}`, `${data.length};ext=1`, `${data.length} ; x`]);
    return `${size}\r\n${data}${rng.pick(['\r\n', '\n', '', 'XX'])}`;
  });
  const end = rng.pick(['0\r\n\r\n', '0\r\nTrailer: x\r\n\r\n', '0\r\n', '', '0\n\n']);
  return `POST /c HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunks.join('')}${end}`;
}

function mutated(rng: FuzzRandom): string {
  let text = validRequest(rng, true);
  for (let i = rng.range(1, 3); i > 0; i--) {
    const at = rng.int(text.length + 1);
    const insert = rng.pick(['\u0000', '\r', '\n', ' ', '\t', ':', 'HTTP/1.1', '\u00ff', '\r\n\r\n', 'x'.repeat(rng.range(1, 9000)), rng.unicode(3)]);
    text = rng.chance(0.5) ? `${text.slice(0, at)}${insert}${text.slice(at)}` : `${text.slice(0, at)}${insert}${text.slice(at + 1)}`;
  }
  if (rng.chance(0.2)) text = text.replace('HTTP/1.1', rng.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/1', 'http/1.1', 'HTTP/01.1', '']));
  return text;
}

function hugeHead(rng: FuzzRandom): string {
  // Every head here is over the default limit of 16 KiB.
  if (rng.chance(0.5)) return `GET / HTTP/1.1\r\nHost: shop\r\nX-Big: ${'a'.repeat(rng.range(17_000, 40_000))}\r\nConnection: close\r\n\r\n`;
  const many = Array.from({ length: rng.range(1_500, 3000) }, (_, i) => `X-H${i}: ${i}`).join('\r\n');
  return `GET /${'p'.repeat(rng.pick([10, 9000, 20_000]))} HTTP/1.1\r\nHost: shop\r\n${many}\r\nConnection: close\r\n\r\n`;
}

/** A random input of one kind; `latin1` keeps every byte as written (NULs, 0xff). */
export function rawInput(rng: FuzzRandom): RawInput {
  const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
  const roll = rng.int(100);
  if (roll < 25) {
    const count = rng.range(1, 3);
    const text = Array.from({ length: count }, (_, i) => validRequest(rng, i === count - 1)).join('');
    return { kind: 'valid', parts: [bytes(text)], pauseMs: 0 };
  }
  if (roll < 50) return { kind: 'mutated', parts: [Buffer.from(mutated(rng), rng.chance(0.5) ? 'latin1' : 'utf8')], pauseMs: 0 };
  if (roll < 60) return { kind: 'huge-head', parts: [bytes(hugeHead(rng))], pauseMs: 0 };
  if (roll < 75) return { kind: 'smuggling', parts: [bytes(smuggling(rng))], pauseMs: 0 };
  if (roll < 90) return { kind: 'chunked', parts: [bytes(chunked(rng))], pauseMs: 0 };
  if (roll < 92) {
    // Slowloris, bounded: a head dribbled out in a few parts, maybe never finished.
    const text = validRequest(rng, true);
    const cut = rng.chance(0.5) ? text.length : rng.int(text.length);
    const parts: Buffer[] = [];
    for (let at = 0; at < cut; at += Math.max(1, Math.ceil(cut / 5))) parts.push(bytes(text.slice(at, Math.min(cut, at + Math.ceil(cut / 5)))));
    return { kind: 'slow', parts, pauseMs: rng.range(5, 30) };
  }
  const random = Buffer.alloc(rng.range(1, 300));
  for (let i = 0; i < random.length; i++) random[i] = rng.int(256);
  return { kind: 'random', parts: [random], pauseMs: 0 };
}
