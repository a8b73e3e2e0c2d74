import { isSluiceError, type RouteRule, type RouteSpec, type SluiceError, type TrafficSplit } from '@sluice/domain';
import { ConditionWriter } from './nginx-conditions.js';
import { greaterThanRegex, headerVariable, identifier, literal, nginxCannot, quoted, regexLiteral } from './nginx-text.js';

/** Everything one service's include file is rendered from. */
export interface ServiceConfigInput {
  readonly route: RouteSpec;
  /** host:port to listen on (a real port, never 0). */
  readonly listen: string;
  readonly split: TrafficSplit;
  readonly generation: number;
  /** Absolute path of the JSON access log Sluice tails. */
  readonly accessLog: string;
}

/** The location answering a service's generation, probed to verify a reload. */
export const GENERATION_PATH = '/.sluice/generation';
const STICKY_COOKIE_ATTRIBUTES = '; Path=/; HttpOnly; SameSite=Lax';

/** Names of one service's variables and upstreams. */
interface Names {
  readonly service: string;
  readonly id: string;
  v(name: string): string;
}

/** The complete `http`-level include of one service. Throws UNSUPPORTED_CAPABILITY for what nginx cannot serve. */
export function renderServiceConfig(input: ServiceConfigInput): string {
  const { route, split } = input;
  const id = `sluice_${identifier(route.service)}`;
  const names: Names = { service: route.service, id, v: (name) => `$${id}_${name}` };
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(route.service)) nginxCannot(route.service, 'a service name must be made of A-Z a-z 0-9 . _ - to name its include file');
  const writer = new ConditionWriter(route.service, id);
  const versions = versionsOf(route, split);
  const blocks = [
    `# Sluice: service ${route.service}, generation ${input.generation}. Written by Sluice; edits are overwritten.`,
    ...versions.map((version) => renderUpstream(names, version, route.backends[version] ?? [])),
    ...renderStickiness(names, route, writer),
    ...renderChoice(names, route, split, writer),
    ...renderMirror(names, split, writer),
  ];
  return `${[...blocks, ...writer.blocks, renderLogFormat(names, input.generation), renderServer(names, input)].join('\n\n')}\n`;
}

/**
 * Why nginx cannot serve `split` on `route` (UNSUPPORTED_CAPABILITY), or undefined: the same check
 * setSplit makes, for validating a spec before anything runs. Regexes PCRE itself refuses are only
 * found by `nginx -t`.
 */
export function nginxRefusal(route: RouteSpec, split: TrafficSplit): SluiceError | undefined {
  try {
    renderServiceConfig({ route, listen: '127.0.0.1:1', split, generation: 0, accessLog: '/dev/null' });
    return undefined;
  } catch (error) {
    if (isSluiceError(error)) return error;
    throw error;
  }
}

/** Every version the route or the split names, sorted; one upstream each. */
function versionsOf(route: RouteSpec, split: TrafficSplit): string[] {
  const names = new Set(Object.keys(route.backends));
  names.add(split.stable);
  if (split.canary !== undefined) names.add(split.canary);
  if (split.mirror !== undefined) names.add(split.mirror.version);
  for (const rule of split.rules ?? []) names.add(rule.action.kind === 'version' ? rule.action.version : rule.action.canary);
  return [...names].sort().map((v) => literal(route.service, 'version', v));
}

function upstreamName(names: Names, version: string): string {
  return `${names.id}_${identifier(version)}`;
}

function renderUpstream(names: Names, version: string, endpoints: readonly string[]): string {
  const servers = endpoints.map((endpoint) => `    server ${hostPort(names.service, endpoint)} max_fails=0;`);
  if (servers.length === 0) servers.push('    server 127.0.0.1:9 down;  # no ready endpoint');
  return `# version ${version}\nupstream ${upstreamName(names, version)} {\n${servers.join('\n')}\n    keepalive 256;\n    keepalive_timeout 4s;\n}`;
}

/** host:port of an http endpoint URL. */
export function hostPort(service: string, endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return nginxCannot(service, `endpoint ${JSON.stringify(endpoint)} is not a URL`);
  }
  if (url.protocol !== 'http:' || (url.pathname !== '/' && url.pathname !== '')) {
    nginxCannot(service, `endpoint ${endpoint}: the nginx data plane proxies plain http://host:port endpoints only`);
  }
  return `${url.hostname}:${url.port === '' ? '80' : url.port}`;
}

/** The stickiness key (header, else cookie, else a new id) and the Set-Cookie of a new key. */
function renderStickiness(names: Names, route: RouteSpec, writer: ConditionWriter): string[] {
  const cookie = literal(route.service, 'stickiness cookie', route.stickiness.cookie);
  const cookieValue = writer.extract('stickycookie', '$http_cookie', `(?:^|;\\s*)${regexLiteral(cookie)}=([^;]+)`);
  const header = route.stickiness.header === undefined ? '' : headerVariable(route.service, route.stickiness.header);
  const fromCookie = names.v('cookiekey');
  const blocks = [`map ${cookieValue} ${fromCookie} {\n    "" $request_id;\n    default ${cookieValue};\n}`];
  if (header === '') {
    blocks.push(`map ${fromCookie} ${names.v('key')} {\n    default ${fromCookie};\n}`);
  } else {
    blocks.push(`map ${header} ${names.v('key')} {\n    "" ${fromCookie};\n    default ${header};\n}`);
  }
  const setCookie = `${cookie}=$request_id${STICKY_COOKIE_ATTRIBUTES}`;
  blocks.push(`map "${header}${cookieValue}" ${names.v('setcookie')} {\n    "" "${setCookie}";\n    default "";\n}`);
  return blocks;
}

/** split_clients over `salt:key`: the first `weight` percent of the hash range go to `canary` (raising it only adds users). */
function splitClients(names: Names, variable: string, salt: string, canary: string, stable: string, weight: number): string {
  const value = `${encodeURIComponent(salt)}:${names.v('key')}`;
  return `split_clients "${value}" ${variable} {\n    ${Number(weight.toFixed(2))}% ${canary};\n    * ${stable};\n}`;
}

/** The version of a weighted choice: a literal when it is all one way, else a split_clients variable. */
function weighted(names: Names, blocks: string[], kind: string, salt: string, canary: string | undefined, stable: string, weight: number): string {
  if (canary === undefined || weight <= 0) return stable;
  if (weight >= 100) return canary;
  const variable = names.v(kind);
  blocks.push(splitClients(names, variable, salt, canary, stable, weight));
  return variable;
}

/** Rules in order, then the weighted split: the chosen version, what chose it, and its upstream ("" for a version without endpoints: 503). */
function renderChoice(names: Names, route: RouteSpec, split: TrafficSplit, writer: ConditionWriter): string[] {
  const blocks: string[] = [];
  const main = weighted(names, blocks, 'split', split.salt, split.canary, split.stable, split.weight);
  const rules = split.rules ?? [];
  const terms = rules.map((rule) => writer.all(rule.conditions));
  const versionLines: string[] = [];
  const routeLines: string[] = [];
  rules.forEach((rule: RouteRule, i) => {
    if (terms[i] === '0') return;
    const pattern = quoted(`~^${'0'.repeat(i)}1`);
    versionLines.push(`    ${pattern} ${ruleTarget(names, blocks, split, rule, i)};`);
    routeLines.push(`    ${pattern} ${literal(names.service, 'rule name', rule.name)};`);
  });
  const source = `"${terms.join('')}"`;
  const chosen = names.v('chosen');
  blocks.push(`map ${source} ${chosen} {\n${versionLines.join('\n')}${versionLines.length > 0 ? '\n' : ''}    default ${main};\n}`);
  blocks.push(`map ${source} ${names.v('route')} {\n${routeLines.join('\n')}${routeLines.length > 0 ? '\n' : ''}    default split;\n}`);
  const served = names.v('version');
  blocks.push(servedVersion(route, split, chosen, served));
  const lines = versionsOf(route, split).map((v) => `    "v:${v}" ${(route.backends[v] ?? []).length === 0 ? '""' : upstreamName(names, v)};`);
  blocks.push(`map "v:${served}" ${names.v('upstream')} {\n${lines.join('\n')}\n    default "";\n}`);
  blocks.push(`map "v:${served}" ${names.v('logkey')} {\n    "v:${split.stable}" "";\n    default ${names.v('key')};\n}`);
  return blocks;
}

/**
 * The version that serves: the chosen one, or the stable one when the chosen version has no endpoint
 * and the stable has — as the built-in proxy does, a version with no ready instance never costs a
 * user an error while stable can serve them (the stable itself without endpoints answers 503).
 */
function servedVersion(route: RouteSpec, split: TrafficSplit, chosen: string, served: string): string {
  const stableUp = (route.backends[split.stable] ?? []).length > 0;
  const empty = stableUp ? versionsOf(route, split).filter((v) => v !== split.stable && (route.backends[v] ?? []).length === 0) : [];
  const lines = empty.map((v) => `    "v:${v}" ${split.stable};`);
  return `map "v:${chosen}" ${served} {\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}    default ${chosen};\n}`;
}

function ruleTarget(names: Names, blocks: string[], split: TrafficSplit, rule: RouteRule, index: number): string {
  const action = rule.action;
  if (action.kind === 'version') return action.version;
  return weighted(names, blocks, `rule${index}_`, `${action.salt ?? split.salt}:${rule.name}`, action.canary, split.stable, action.weight);
}

/** Whether a request is copied: its share of requests, and a body nginx knows is at most maxBodyBytes. */
function renderMirror(names: Names, split: TrafficSplit, writer: ConditionWriter): string[] {
  const mirror = split.mirror;
  if (mirror === undefined || mirror.percent <= 0) return [];
  const blocks: string[] = [];
  const pick = names.v('mirrorpick');
  if (mirror.percent < 100) blocks.push(`split_clients "mirror:$request_id" ${pick} {\n    ${Number(mirror.percent.toFixed(2))}% 1;\n    * 0;\n}`);
  else blocks.push(`map "" ${pick} {\n    default 1;\n}`);
  const length = writer.variable('bodyok');
  blocks.push(`map $content_length ${length} {\n    ${quoted(`~${greaterThanRegex(mirror.maxBodyBytes)}`)} 0;\n    default 1;\n}`);
  const chunked = writer.variable('notchunked');
  blocks.push(`map $http_transfer_encoding ${chunked} {\n    "" 1;\n    default 0;\n}`);
  blocks.push(`map "${pick}${length}${chunked}" ${names.v('mirror')} {\n    "111" 1;\n    default 0;\n}`);
  return blocks;
}

function renderLogFormat(names: Names, generation: number): string {
  const fields = [
    `"service":"${names.service}"`,
    `"version":"${names.v('version')}"`,
    `"route":"${names.v('route')}"`,
    '"status":$status',
    '"requestTime":$request_time',
    '"upstreamStatus":"$upstream_status"',
    `"key":"${names.v('logkey')}"`,
    `"generation":${generation}`,
  ];
  return `log_format ${names.id} escape=json '{${fields.join(',')}}';`;
}

function renderServer(names: Names, input: ServiceConfigInput): string {
  const { route, split, generation } = input;
  const hosts = (route.hosts ?? []).map((h) => literal(route.service, 'host', h));
  const limits = route.proxy?.limits ?? {};
  const lines = [
    `    listen ${input.listen}${hosts.length === 0 ? ' default_server' : ''};`,
    `    server_name ${hosts.length === 0 ? '""' : hosts.join(' ')};`,
    `    access_log ${quoted(input.accessLog)} ${names.id};`,
    `    client_max_body_size ${limits.maxBodyBytes ?? 10 * 1024 * 1024};`,
    ...(limits.idleTimeoutMs === undefined ? [] : [`    keepalive_timeout ${limits.idleTimeoutMs}ms;`]),
    `    location = ${GENERATION_PATH} {\n        access_log off;\n        default_type text/plain;\n        add_header X-Sluice-Generation ${generation} always;\n        return 200 "${generation}\\n";\n    }`,
    ...(split.mirror === undefined || split.mirror.percent <= 0 ? [] : [renderMirrorLocation(names, split.mirror.version)]),
    `    location / {\n${renderProxy(names, split, generation, limits.connectTimeoutMs).join('\n')}\n    }`,
  ];
  return `server {\n${lines.join('\n')}\n}`;
}

function renderMirrorLocation(names: Names, version: string): string {
  return [
    `    location = /.sluice/mirror/${names.id} {`,
    '        internal;',
    `        if (${names.v('mirror')} != 1) {\n            return 204;\n        }`,
    '        proxy_http_version 1.1;',
    '        proxy_set_header Connection "";',
    '        proxy_set_header Host $http_host;',
    `        proxy_pass http://${upstreamName(names, version)}$request_uri;`,
    '    }',
  ].join('\n');
}

function renderProxy(names: Names, split: TrafficSplit, generation: number, connectTimeoutMs: number | undefined): string[] {
  const mirrored = split.mirror !== undefined && split.mirror.percent > 0;
  return [
    `        if (${names.v('upstream')} = "") {\n            return 503;\n        }`,
    `        proxy_pass http://${names.v('upstream')};`,
    '        proxy_http_version 1.1;',
    '        proxy_set_header Connection "";',
    '        proxy_set_header Host $http_host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    ...(connectTimeoutMs === undefined ? [] : [`        proxy_connect_timeout ${connectTimeoutMs}ms;`]),
    ...(mirrored ? [`        mirror /.sluice/mirror/${names.id};`, '        mirror_request_body on;'] : []),
    `        add_header X-Sluice-Version ${names.v('version')} always;`,
    `        add_header X-Sluice-Generation ${generation} always;`,
    `        add_header Set-Cookie ${names.v('setcookie')} always;`,
  ];
}
