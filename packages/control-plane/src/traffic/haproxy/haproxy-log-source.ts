import { createSocket, type Socket } from 'node:dgram';
import type { ErrorCause, ProxyObservation } from '@sluice/proxy';

/** One request as HAProxy logs it with the rendered log-format `%f %b %s %ST %Ta %ts route key`. */
export interface HaproxyLogLine {
  readonly frontend: string;
  readonly backend: string;
  readonly server: string;
  readonly status: number;
  readonly durationMs: number;
  /** Termination state (%ts), e.g. "--", "CD", "SC". */
  readonly termination: string;
  /** "split", a rule index, or "-" when no rule ran (rejected before routing). */
  readonly route: string;
  /** The stickiness key ("-" when none). */
  readonly key: string;
}

/** Splits a raw log line; undefined for anything that is not one of ours. */
export function parseLogLine(line: string): HaproxyLogLine | undefined {
  const parts = line.replace(/\n$/, '').split(' ');
  if (parts.length < 8) return undefined;
  const [frontend = '', backend = '', server = '', status, duration, termination = '', route = '', ...key] = parts;
  if (!frontend.startsWith('f:')) return undefined;
  return { frontend, backend, server, status: Number(status), durationMs: Math.max(0, Number(duration)), termination, route, key: key.join(' ') };
}

/** Why HAProxy failed a request, from its termination state (first letter: who, second: when). */
export function causeOf(line: HaproxyLogLine): ErrorCause | undefined {
  const [who, when] = line.termination;
  if (line.server === '<NOSRV>' && line.status === 503) return 'no-endpoint';
  if (who === 's' || who === 'c' || when === 'T') return who === 'c' ? 'limit' : 'timeout';
  if (who === 'S') return when === 'C' ? 'refused' : 'reset';
  if (who === 'P' || who === 'I' || who === 'D' || who === 'L') return line.status >= 500 ? 'other' : undefined;
  if (line.status === 400) return 'bad-request';
  return undefined;
}

/** What a log line needs to become an observation: the route table of the moment. */
export interface LogResolver {
  /** service and version of a backend (by its rendered name); undefined for an unknown one. */
  backend(name: string): { readonly service: string; readonly version: string } | undefined;
  /** service of a frontend (requests rejected before a backend was chosen). */
  frontend(name: string): string | undefined;
  /** The rule name of a route index, "split" for the weighted split. */
  routeName(service: string, route: string): string;
  /** The stable version the service serves now (a key is reported only for other versions). */
  stable(service: string): string | undefined;
}

/** A log line as the observation the built-in proxy would have made; undefined when not ours. */
export function toObservation(line: HaproxyLogLine, resolver: LogResolver): ProxyObservation | undefined {
  const chosen = resolver.backend(line.backend);
  const service = chosen?.service ?? resolver.frontend(line.frontend);
  if (service === undefined) return undefined;
  const clientLeft = line.termination.startsWith('C') || line.status < 0;
  const version = chosen?.version ?? '';
  const cause = causeOf(line);
  const key = version !== '' && version !== resolver.stable(service) && line.key !== '-' && line.key !== '' ? line.key : undefined;
  return {
    service,
    version,
    route: version === '' ? '' : resolver.routeName(service, line.route),
    status: clientLeft ? 499 : line.status,
    durationMs: line.durationMs,
    ...(cause === undefined || clientLeft ? {} : { cause }),
    ...(key === undefined ? {} : { key }),
  };
}

/** A UDP receiver on loopback for HAProxy's `log <addr> format raw` lines. */
export class HaproxyLogSource {
  readonly #socket: Socket;
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Binds `host:port` (port 0: any free one) and hands every datagram's line to `onLine`. */
  static async start(onLine: (line: string) => void, host = '127.0.0.1', port = 0): Promise<HaproxyLogSource> {
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 8 * 1024 * 1024 });
    socket.on('message', (message: Buffer) => {
      for (const line of message.toString('utf8').split('\n')) if (line.length > 0) onLine(line);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => {});
    return new HaproxyLogSource(socket);
  }

  /** host:port to render in `log …`. */
  get address(): string {
    const { address, port } = this.#socket.address();
    return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
