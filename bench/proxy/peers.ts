// The servers of the benchmark: two backends and the proxies under test, each splitting 90/10 between them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { freePort, startProcess, waitForHttp } from './processes.js';
import type { Managed } from './processes.js';

/** The targets wrk drives, in the order of the first round. */
export const TARGETS = ['direct', 'sluice', 'nginx', 'sluice-nginx', 'haproxy', 'http-proxy'] as const;
export type TargetName = (typeof TARGETS)[number];

/** One thing wrk can be pointed at. */
export interface Target {
  readonly name: TargetName;
  readonly url: string;
  /** The process whose tree's CPU time is charged to this target (for direct: backend v1). */
  readonly process: Managed;
  /** A process inside that tree whose own tree's CPU is also reported apart (sluice-nginx: the nginx master). */
  readonly part?: { readonly pid: number; readonly label: string };
}

/** Where and how the servers run. */
export interface PeerSettings {
  /** Scratch directory for configs, pid files and logs. */
  readonly dir: string;
  /** Pinning prefix for the proxy under test (e.g. taskset -c 0), empty for none. */
  readonly proxyPin: readonly string[];
  /** Pinning prefix for the backends (they share wrk's CPU). */
  readonly backendPin: readonly string[];
  /** nginx worker_processes / HAProxy nbthread: 1, or every core in multi-core mode. */
  readonly workers: number;
  /** Canary (v2) share in percent; the same for every proxy. */
  readonly canaryPercent: number;
}

/** The two backends as base URLs. */
export interface Backends {
  readonly v1: Target;
  readonly v2Url: string;
  readonly v1Port: number;
  readonly v2Port: number;
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** Temp paths and logs inside `dir`: Debian's defaults (/var/lib/nginx, /var/log/nginx) need root. */
function nginxPreamble(dir: string, name: string, workers: number): string {
  // As root, nginx would drop workers to "nobody", who cannot enter our private temp dir.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `${user}worker_processes ${workers};
daemon off;
pid ${join(dir, `${name}.pid`)};
error_log ${join(dir, `${name}.error.log`)} warn;
events { worker_connections 8192; }
`;
}

function nginxHttpCommon(dir: string, name: string): string {
  const temp = join(dir, `${name}-temp`);
  mkdirSync(temp, { recursive: true });
  return `  access_log off;
  default_type text/plain;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
`;
}

/** An nginx that answers every request with a small body and `x-backend: <version>`. */
export function nginxBackendConfig(dir: string, version: string, port: number): string {
  const name = `backend-${version}`;
  return `${nginxPreamble(dir, name, 1)}http {
${nginxHttpCommon(dir, name)}  server {
    listen 127.0.0.1:${port};
    location / {
      add_header x-backend ${version} always;
      return 200 "hello from ${version}\\n";
    }
  }
}
`;
}

/** nginx as the reference proxy: weighted round robin 9:1 over a keep-alive upstream pool. */
export function nginxProxyConfig(dir: string, port: number, backends: Backends, workers: number, canaryPercent: number): string {
  const [stableWeight, canaryWeight] = weightsOf(canaryPercent);
  return `${nginxPreamble(dir, 'proxy-nginx', workers)}http {
${nginxHttpCommon(dir, 'proxy-nginx')}  upstream app {
    server 127.0.0.1:${backends.v1Port} weight=${stableWeight};
    server 127.0.0.1:${backends.v2Port} weight=${canaryWeight};
    keepalive 256;
    keepalive_requests 10000000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
}

/** The soft limit on open files of this process (what children inherit), 1024 if unreadable. */
function openFilesLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isInteger(soft) && soft > 0 ? soft : 1024;
  } catch {
    return 1024;
  }
}

/** HAProxy with weights 90/10, connection reuse, X-Forwarded-For. */
export function haproxyConfig(port: number, backends: Backends, threads: number, canaryPercent: number): string {
  // HAProxy needs about 2 fds per connection and refuses to start if it cannot raise the limit that far.
  const maxconn = Math.min(8000, Math.floor((openFilesLimit() - 200) / 2));
  return `global
  nbthread ${threads}
  maxconn ${maxconn}
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
  option forwardfor
  http-reuse always
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  balance roundrobin
  server v1 127.0.0.1:${backends.v1Port} weight ${100 - canaryPercent}
  server v2 127.0.0.1:${backends.v2Port} weight ${canaryPercent}
`;
}

/** Smallest integer weights for stable:canary (10 % → 9:1). */
export function weightsOf(canaryPercent: number): [number, number] {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const canary = Math.round(canaryPercent);
  const divisor = gcd(100 - canary, canary);
  return [(100 - canary) / divisor, canary / divisor];
}

async function startNginx(name: string, settings: PeerSettings, pin: readonly string[], config: string, port: number): Promise<Managed> {
  const conf = join(settings.dir, `${name}.conf`);
  writeFileSync(conf, config);
  const managed = startProcess(name, pin, 'nginx', ['-p', settings.dir, '-c', conf, '-e', join(settings.dir, `${name}.error.log`)]);
  managed.child.stdout?.resume();
  await waitForHttp(managed, `http://127.0.0.1:${port}/`);
  return managed;
}

/** Starts backend v1 and v2: nginx when installed, else the small node server (noted in the output). */
export async function startBackends(settings: PeerSettings, useNginx: boolean): Promise<Backends> {
  const [v1Port, v2Port] = [await freePort(), await freePort()];
  const start = async (version: string, port: number): Promise<Managed> => {
    if (useNginx) return startNginx(`backend-${version}`, settings, settings.backendPin, nginxBackendConfig(settings.dir, version, port), port);
    const managed = startProcess(`backend-${version}`, settings.backendPin, process.execPath, [here('./backend-server.mjs'), version, String(port)]);
    await waitForHttp(managed, `http://127.0.0.1:${port}/`);
    return managed;
  };
  const v1 = await start('v1', v1Port);
  await start('v2', v2Port);
  return { v1: { name: 'direct', url: `http://127.0.0.1:${v1Port}/`, process: v1 }, v2Url: `http://127.0.0.1:${v2Port}/`, v1Port, v2Port };
}

/** nginx as a proxy in front of the backends. */
export async function startNginxProxy(settings: PeerSettings, backends: Backends): Promise<Target> {
  const port = await freePort();
  const config = nginxProxyConfig(settings.dir, port, backends, settings.workers, settings.canaryPercent);
  const managed = await startNginx('proxy-nginx', settings, settings.proxyPin, config, port);
  return { name: 'nginx', url: `http://127.0.0.1:${port}/`, process: managed };
}

/** HAProxy in the foreground (-db), single process. */
export async function startHaproxy(settings: PeerSettings, backends: Backends): Promise<Target> {
  const port = await freePort();
  const conf = join(settings.dir, 'haproxy.cfg');
  writeFileSync(conf, haproxyConfig(port, backends, settings.workers, settings.canaryPercent));
  const managed = startProcess('haproxy', settings.proxyPin, 'haproxy', ['-db', '-f', conf]);
  managed.child.stdout?.resume();
  const url = `http://127.0.0.1:${port}/`;
  await waitForHttp(managed, url);
  return { name: 'haproxy', url, process: managed };
}

/** What the Sluice child reports once it listens. */
export interface SluiceReady {
  /** host:port it listens on. */
  readonly address: string;
  /** Whether one header rule is configured, or why not. */
  readonly headerRule: string;
  /** Whether the build's multi-core mode is in use, or why not. */
  readonly multiCore: string;
  /** Whether metrics are on. */
  readonly metrics: string;
}

/** Sluice's built proxy (packages/proxy/dist) in a child process, metrics and stickiness on. */
export async function startSluice(settings: PeerSettings, backends: Backends, multiCore: boolean): Promise<{ target: Target; ready: SluiceReady }> {
  const options = { v1: `http://127.0.0.1:${backends.v1Port}`, v2: `http://127.0.0.1:${backends.v2Port}`, weight: settings.canaryPercent, multiCore, workers: settings.workers };
  const managed = startProcess('sluice', settings.proxyPin, process.execPath, [here('./sluice-proxy.mjs'), JSON.stringify(options)]);
  const ready = (await readyLine(managed)) as unknown as SluiceReady;
  const url = `http://${ready.address}/`;
  await waitForHttp(managed, url);
  return { target: { name: 'sluice', url, process: managed }, ready };
}

/** What the sluice-nginx child reports once nginx serves the route. */
export interface SluiceNginxReady {
  readonly address: string;
  /** The nginx master (a child of the node process, which also tails the access log). */
  readonly nginxPid: number;
  readonly headerRule: string;
  readonly observer: string;
  readonly accessLog: string;
  /** The include NginxRouter rendered. */
  readonly config: string;
}

/**
 * nginx started and configured by Sluice's built NginxRouter (owned mode): same workers, backends,
 * split, stickiness and header rule as the other targets; JSON access log on and tailed.
 */
export async function startSluiceNginx(settings: PeerSettings, backends: Backends): Promise<{ target: Target; ready: SluiceNginxReady }> {
  const options = {
    v1: `http://127.0.0.1:${backends.v1Port}`, v2: `http://127.0.0.1:${backends.v2Port}`, weight: settings.canaryPercent,
    workers: settings.workers, stateDir: join(settings.dir, 'sluice-nginx'), observer: true,
  };
  const managed = startProcess('sluice-nginx', settings.proxyPin, process.execPath, [here('./sluice-nginx.mjs'), JSON.stringify(options)]);
  const ready = (await readyLine(managed, 30_000)) as unknown as SluiceNginxReady;
  const url = `http://${ready.address}/`;
  await waitForHttp(managed, url);
  return { target: { name: 'sluice-nginx', url, process: managed, part: { pid: ready.nginxPid, label: 'nginx' } }, ready };
}

/** node http-proxy with a keep-alive agent, choosing 90/10 at random. */
export async function startHttpProxy(settings: PeerSettings, backends: Backends): Promise<Target> {
  const options = { v1: `http://127.0.0.1:${backends.v1Port}`, v2: `http://127.0.0.1:${backends.v2Port}`, weight: settings.canaryPercent };
  const managed = startProcess('http-proxy', settings.proxyPin, process.execPath, [here('./http-proxy-server.mjs'), JSON.stringify(options)]);
  const ready = await readyLine(managed);
  const url = `http://${String(ready['address'])}/`;
  await waitForHttp(managed, url);
  return { name: 'http-proxy', url, process: managed };
}

/** The first stdout line of a node child, as JSON: it prints `{"address": …}` once it listens. */
function readyLine(managed: Managed, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new SluiceError(ErrorCode.ADAPTER_FAILED, `${managed.name} ${why}; expected a JSON ready line on stdout. stderr: ${managed.log().trim() || '(empty)'}`));
    };
    const timer = setTimeout(() => fail(`printed no ready line within ${timeoutMs} ms`), timeoutMs);
    managed.child.once('exit', (code) => fail(`exited with ${code} before it was ready`));
    managed.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>);
      } catch {
        fail(`printed "${buffer.slice(0, newline)}"`);
      }
    });
  });
}
