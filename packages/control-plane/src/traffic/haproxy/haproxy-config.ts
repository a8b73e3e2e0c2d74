import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { renderRules, versionsOf } from './haproxy-conditions.js';
import { backendName, fetchArg, frontendName, mapKey, quote, seedOf, serverAddress, serverName } from './haproxy-names.js';

/** Runtime state of one endpoint, kept across reloads: drained (weight 0) or in maintenance (disabled). */
export type EndpointState = 'drain' | 'maint';

/** One service as the config renders it. */
export interface ServiceConfig {
  readonly route: RouteSpec;
  /** host:port actually bound (port 0 already resolved). */
  readonly address: string;
  readonly split: TrafficSplit;
  readonly generation: number;
  readonly endpointStates: ReadonlyMap<string, EndpointState>;
}

/** Where the rendered config points: files, sockets and the log receiver. */
export interface ConfigPaths {
  readonly mapPath: string;
  /** Rendered in a `global` section when Sluice owns the process; absent for an include in the user's HAProxy. */
  readonly owned?: { readonly adminSocket: string; readonly internalSocket: string };
  /** host:port of Sluice's UDP log receiver; absent: no per-request log. */
  readonly logAddress?: string;
}

const LOG_FORMAT = '%f %b %s %ST %Ta %ts %[var(txn.route)] %[var(txn.key)]';

/** The split map's value for a service: `<threshold>|<stable backend>|<canary backend>|<generation>`. */
export function mapValue(service: string, split: TrafficSplit, generation: number): string {
  const stable = backendName(service, split.stable);
  const canary = split.canary === undefined ? stable : backendName(service, split.canary);
  const threshold = split.canary === undefined ? 0 : Math.round(split.weight * 100);
  return `${threshold}|${stable}|${canary}|${generation}`;
}

/** The whole split map file: one line per service. */
export function renderMap(services: readonly ServiceConfig[]): string {
  return services.map((s) => `${mapKey(s.route.service)} ${mapValue(s.route.service, s.split, s.generation)}\n`).join('');
}

function bindAddress(address: string): string {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  return host.includes(':') ? `ipv6@${host}:${address.slice(at + 1)}` : `ipv4@${host}:${address.slice(at + 1)}`;
}

function head(paths: ConfigPaths): string[] {
  const log = paths.logAddress === undefined ? [] : [`  log ${paths.logAddress} len 8192 format raw local0 info`];
  const global = paths.owned === undefined ? [] : [
    'global',
    '  master-worker',
    `  stats socket ${paths.owned.adminSocket} mode 600 level admin expose-fd listeners`,
    '  stats timeout 30s',
    '  hard-stop-after 60s',
    '',
  ];
  const defaults = [
    'defaults',
    '  mode http',
    ...log,
    '  option idle-close-on-response',
    '  option redispatch',
    '  retries 2',
    '  retry-on conn-failure empty-response',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 60s',
    '',
  ];
  const internal = paths.owned === undefined ? [] : [
    'frontend sluice:internal',
    `  bind unix@${paths.owned.internalSocket}`,
    '  http-request return status 200 content-type text/plain string ready',
    '',
  ];
  return ['# Rendered by Sluice: every change is overwritten.', ...global, ...defaults, ...internal];
}

function stickyKeyLines(route: RouteSpec): string[] {
  const header = route.stickiness.header;
  const cookie = fetchArg('cookie', route.stickiness.cookie);
  return [
    ...(header === undefined ? [] : [`  http-request set-var(txn.key) req.fhdr(${fetchArg('header', header)}) if { req.fhdr(${header}) -m len gt 0 }`]),
    `  http-request set-var(txn.key) req.cook(${cookie}) if !{ var(txn.key) -m found } { req.cook(${cookie}) -m len gt 0 }`,
    '  http-request set-var(txn.minted) uuid if !{ var(txn.key) -m found }',
    '  http-request set-var(txn.key) var(txn.minted) if { var(txn.minted) -m found }',
  ];
}

/** Host names of a route: exact names, and "*.example.com" as a suffix; any other host gets 421. */
function hostLines(route: RouteSpec): string[] {
  const hosts = route.hosts ?? [];
  if (hosts.length === 0) return [];
  const exact = hosts.filter((h) => !h.startsWith('*.'));
  const wildcard = hosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1));
  const fetch = 'req.hdr(host),field(1,:),lower';
  return [
    ...(exact.length === 0 ? [] : [`  acl host_ok ${fetch} -m str ${exact.map(quote).join(' ')}`]),
    ...(wildcard.length === 0 ? [] : [`  acl host_ok ${fetch} -m end ${wildcard.map(quote).join(' ')}`]),
    '  http-request return status 421 content-type text/plain string "misdirected request" if !host_ok',
  ];
}

function frontendLines(service: ServiceConfig, paths: ConfigPaths): string[] {
  const { route, split } = service;
  const name = route.service;
  const limits = route.proxy?.limits;
  const rules = renderRules(name, split);
  const cookie = route.stickiness.cookie;
  return [
    `frontend ${frontendName(name)}`,
    `  bind ${bindAddress(service.address)}`,
    ...(paths.logAddress === undefined ? [] : [`  log-format ${quote(LOG_FORMAT)}`]),
    ...(limits?.headersTimeoutMs === undefined ? [] : [`  timeout http-request ${limits.headersTimeoutMs}`]),
    ...(limits?.idleTimeoutMs === undefined ? [] : [`  timeout http-keep-alive ${limits.idleTimeoutMs}`]),
    ...hostLines(route),
    ...rules.acls.map((acl) => `  ${acl}`),
    `  http-request set-var(txn.split) str(${mapKey(name)}),map(${paths.mapPath})`,
    ...stickyKeyLines(route),
    ...rules.rules.map((line) => `  ${line}`),
    '  http-request set-var(txn.route) str(split) if !{ var(txn.route) -m found }',
    `  http-request set-var(txn.bucket) var(txn.key),xxh32(${seedOf(split.salt)}),mod(10000) if !{ var(txn.be) -m found }`,
    '  http-request set-var(txn.thr) var(txn.split),field(1,|) if !{ var(txn.be) -m found }',
    '  http-request set-var(txn.be) var(txn.split),field(3,|) if !{ var(txn.be) -m found } { var(txn.bucket),sub(txn.thr) lt 0 }',
    '  http-request set-var(txn.be) var(txn.split),field(2,|) if !{ var(txn.be) -m found }',
    `  http-response add-header Set-Cookie ${quote(`${cookie}=%[var(txn.minted)]; Path=/; HttpOnly; SameSite=Lax`)} if { var(txn.minted) -m found }`,
    '  use_backend %[var(txn.be)]',
    `  default_backend ${backendName(name, split.stable)}`,
    '',
  ];
}

function serverLine(service: ServiceConfig, version: string, endpoint: string, index: number): string {
  const { address, ssl } = serverAddress(endpoint);
  const state = service.endpointStates.get(endpoint);
  const check = service.route.proxy?.healthCheck === undefined ? '' : ` check inter ${service.route.proxy.healthCheck.intervalMs ?? 2000}`;
  const extra = state === 'maint' ? ' disabled' : state === 'drain' ? ' weight 0' : '';
  return `  server ${serverName(version, index)} ${address}${ssl ? ' ssl verify none' : ''}${check}${extra}`;
}

function backendLines(service: ServiceConfig, version: string): string[] {
  const { route } = service;
  const limits = route.proxy?.limits;
  const check = route.proxy?.healthCheck;
  return [
    `backend ${backendName(route.service, version)}`,
    '  balance roundrobin',
    ...(limits?.connectTimeoutMs === undefined ? [] : [`  timeout connect ${limits.connectTimeoutMs}`]),
    ...(limits?.requestTimeoutMs === undefined || limits.requestTimeoutMs === 0 ? [] : [`  timeout server ${limits.requestTimeoutMs}`]),
    ...(check === undefined ? [] : [`  option httpchk GET ${quote(check.path ?? '/')}`]),
    `  http-response set-header x-sluice-version ${quote(version)}`,
    ...(route.backends[version] ?? []).map((endpoint, index) => serverLine(service, version, endpoint, index)),
    '',
  ];
}

/** The versions that get a backend: every version of the route and every one the split names. */
export function backendVersions(route: RouteSpec, split: TrafficSplit): string[] {
  return [...new Set([...Object.keys(route.backends), ...versionsOf(split)])];
}

/** The complete config (or, without `owned`, the include for a user's HAProxy) for these services. */
export function renderConfig(paths: ConfigPaths, services: readonly ServiceConfig[]): string {
  const lines = head(paths);
  for (const service of services) {
    lines.push(...frontendLines(service, paths));
    for (const version of backendVersions(service.route, service.split)) lines.push(...backendLines(service, version));
  }
  return `${lines.join('\n')}\n`;
}
