import { ErrorCode, parseDuration, SluiceError } from '@sluice/domain';
import type { Command } from 'commander';
import { writeLine } from '../cli-io.js';
import type { CommandContext } from '../command-context.js';

const CONTROL_PLANE = '@sluice/control-plane';

/** The options `startControlPlane` of @sluice/control-plane takes (typed here; the import is lazy). */
interface StartControlPlaneOptions {
  /** Directory for the SQLite store and process logs. */
  readonly dataDir: string;
  /** host:port for the HTTP API. */
  readonly listen: string;
  /** PostgreSQL URL; when absent the store is SQLite in dataDir. */
  readonly databaseUrl?: string;
  /** Spec files applied at start, as `sluice apply` would. */
  readonly applyFiles: readonly string[];
  /** Receives each log line (without newline). */
  readonly log: (line: string) => void;
  /** Worker processes for the built-in proxy; 0 runs it inside the control plane. */
  readonly proxyWorkers: number;
  readonly dataPlane: (typeof DATA_PLANES)[number];
  readonly runtime: (typeof RUNTIMES)[number];
  /** The cluster, for --runtime kubernetes and --data-plane gateway-api|istio. */
  readonly kubernetes?: KubernetesOptions;
  /** Client tokens for flag SDKs, each reading one environment. */
  readonly flagTokens: readonly FlagTokenEntry[];
  /** The only hosts webhooks may reach; empty: any public address. */
  readonly webhookAllowHosts: readonly string[];
  /** Record the client address X-Forwarded-For's last entry names (behind a reverse proxy). */
  readonly trustProxy: boolean;
  /** false: a rollout's author may not approve it unless its approval step says allowAuthor: true. */
  readonly selfApproval: boolean;
  /** API tokens required (docs/auth.md); bootstrapToken becomes the first admin token. */
  readonly auth?: { readonly enabled: boolean; readonly bootstrapToken?: string };
  /** Several replicas on one PostgreSQL with leader election (docs/ha.md). */
  readonly ha?: { readonly enabled: boolean; readonly leaseTtlMs?: number; readonly holder?: string };
}

interface KubernetesOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
  readonly gateway?: string;
  readonly gatewayChannel?: 'standard' | 'experimental';
}

/** `environment:token`: what a flag SDK presents to read one environment's flags. */
interface FlagTokenEntry {
  readonly environment: string;
  readonly token: string;
}

interface RunningControlPlane {
  /** Base URL the API answers on (the real port when listening on port 0). */
  readonly url: string;
  /** Stops the controller, the data plane and managed processes; resolves when all are down. */
  close(): Promise<void>;
  /** Rolling restart of the data plane; rejects when it runs in-process. */
  restartProxy(): Promise<void>;
}

interface ControlPlaneModule {
  startControlPlane(options: StartControlPlaneOptions): Promise<RunningControlPlane>;
  /** Reads comma-separated `environment:token` pairs; its errors never echo a token. */
  parseFlagTokens(text: string | undefined): FlagTokenEntry[];
  /** Reads `HOST[,HOST…]`; INVALID_REQUEST names a bad entry. */
  parseWebhookAllowHosts(text: string | undefined): string[];
  /** Throws INVALID_REQUEST (never echoing it) for a SLUICE_BOOTSTRAP_TOKEN that is not a token. */
  checkBootstrapToken(text: string | undefined): void;
}

interface ServerOptions {
  readonly dataDir?: string;
  readonly listen?: string;
  readonly databaseUrl?: string;
  readonly apply?: string[];
  readonly proxyWorkers?: string;
  readonly dataPlane?: string;
  readonly runtime?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
  readonly gateway?: string;
  readonly gatewayChannel?: string;
  readonly flagToken: string[];
  readonly webhookAllowHost: string[];
  readonly trustProxy?: boolean;
  readonly selfApproval: boolean;
  readonly auth?: boolean;
  readonly ha?: boolean;
  readonly leaseTtl?: string;
  readonly replicaName?: string;
}

export function registerServer(program: Command, ctx: CommandContext): void {
  program
    .command('server')
    .description('run the control plane (API, controller and built-in proxy) in the foreground')
    .option('--data-dir <dir>', 'where state is kept (env SLUICE_DATA_DIR; default .sluice)')
    .option('--listen <host:port>', 'API address (env SLUICE_LISTEN; default 127.0.0.1:7070)')
    .option('--database-url <url>', 'PostgreSQL URL instead of SQLite (env DATABASE_URL)')
    .option('--apply <file...>', 'spec files to apply once started')
    .option('--proxy-workers <n>', 'run the built-in proxy as N worker processes, restartable with SIGHUP or `sluice proxy restart` (env SLUICE_PROXY_WORKERS; default 0: in-process)')
    .option('--data-plane <kind>', 'which engine serves traffic: builtin (default), nginx or haproxy (Sluice starts and drives it), gateway-api or istio (routes in the cluster; needs --runtime kubernetes), or remote (built-in proxies run by `sluice proxy serve` elsewhere) (env SLUICE_DATA_PLANE)')
    .option('--runtime <kind>', 'where versions run: process (default: local processes) or kubernetes (a Deployment per version, copied from the service\'s Deployment) (env SLUICE_RUNTIME)')
    .option('--kubeconfig <file>', 'kubeconfig for the cluster (default $KUBECONFIG, ~/.kube/config, else the in-cluster service account)')
    .option('--context <name>', 'kubeconfig context (env SLUICE_KUBE_CONTEXT; default the current context)')
    .option('--namespace <name>', 'namespace of the Deployments, Services and routes (env SLUICE_NAMESPACE; default the context\'s, else "default")')
    .option('--gateway <[namespace/]name>', 'gateway-api: the Gateway the HTTPRoutes attach to (required); istio: the gateway VirtualServices bind to (env SLUICE_GATEWAY)')
    .option('--gateway-channel <channel>', 'gateway-api: standard (default) or experimental, when the cluster has the experimental HTTPRoute CRD (version stickiness) (env SLUICE_GATEWAY_CHANNEL)')
    .option('--flag-token <env:token>', 'a client token flag SDKs present to read one environment, repeatable (env SLUICE_FLAG_TOKENS, comma-separated; tokens of 16 to 512 characters)', collect, [])
    .option('--webhook-allow-host <host,...>', 'the only hosts webhooks may reach, repeatable (env SLUICE_WEBHOOK_ALLOW_HOSTS; default: any public address, never loopback, private or link-local)', collect, [])
    .option('--trust-proxy', 'behind a reverse proxy: record the client address from the last X-Forwarded-For entry (the one the proxy adds) instead of the proxy\'s own address')
    .option('--auth', 'require API tokens on every route but /healthz, the UI files and the flag SDK routes; with no token yet, an admin token is written to <data-dir>/admin-token (env SLUICE_AUTH=1; SLUICE_BOOTSTRAP_TOKEN gives that token instead; docs/auth.md)')
    .option('--ha', 'one of several replicas on one PostgreSQL: the one holding the controller lease runs rollouts, the others serve the API and take over within the lease TTL when it dies (env SLUICE_HA=1; needs --database-url and --data-plane remote, gateway-api or istio; docs/ha.md)')
    .option('--lease-ttl <duration>', 'with --ha: how long a dead leader can delay a takeover (env SLUICE_LEASE_TTL; default 3s; renewed every quarter of it)')
    .option('--replica-name <name>', 'with --ha: this replica\'s name in the lease (env SLUICE_REPLICA_NAME; default host-pid)')
    .option('--no-self-approval', 'a rollout\'s author may not approve it: approvals need another person (an approval step may still say allowAuthor: true)')
    .action(async (options: ServerOptions) => {
      await runServer(ctx, options);
    });
}

async function runServer(ctx: CommandContext, options: ServerOptions): Promise<void> {
  const { env } = ctx.io;
  const databaseUrl = options.databaseUrl ?? env['DATABASE_URL'];
  // Loaded only here: the control plane pulls in SQLite, Postgres and the proxy, which other commands
  // never need. A non-literal specifier keeps tsc from needing the control plane built before the CLI.
  const { startControlPlane, parseFlagTokens, parseWebhookAllowHosts, checkBootstrapToken } = (await import(CONTROL_PLANE)) as ControlPlaneModule;
  // Tokens given on the command line replace SLUICE_FLAG_TOKENS; they are never printed.
  const flagTokens = parseFlagTokens(options.flagToken.length > 0 ? options.flagToken.join(',') : env['SLUICE_FLAG_TOKENS']);
  const auth = authOf(options, env);
  checkBootstrapToken(auth.auth?.bootstrapToken);
  const running = await startControlPlane({
    dataDir: options.dataDir ?? env['SLUICE_DATA_DIR'] ?? '.sluice',
    listen: options.listen ?? env['SLUICE_LISTEN'] ?? '127.0.0.1:7070',
    ...(databaseUrl ? { databaseUrl } : {}),
    applyFiles: options.apply ?? [],
    log: (line) => writeLine(ctx.io.stderr, line),
    proxyWorkers: proxyWorkersOf(options.proxyWorkers ?? env['SLUICE_PROXY_WORKERS']),
    dataPlane: oneOf('--data-plane', 'data plane', DATA_PLANES, options.dataPlane ?? env['SLUICE_DATA_PLANE']),
    runtime: oneOf('--runtime', 'runtime', RUNTIMES, options.runtime ?? env['SLUICE_RUNTIME']),
    ...kubernetesOf(options, env),
    flagTokens,
    webhookAllowHosts: parseWebhookAllowHosts(options.webhookAllowHost.length > 0 ? options.webhookAllowHost.join(',') : env['SLUICE_WEBHOOK_ALLOW_HOSTS']),
    trustProxy: options.trustProxy === true,
    selfApproval: options.selfApproval,
    ...auth,
    ...haOf(options, env),
  });
  writeLine(ctx.io.stdout, `Sluice control plane listening on ${running.url}`);
  if (flagTokens.length > 0) writeLine(ctx.io.stderr, `flag client tokens for: ${[...new Set(flagTokens.map((t) => t.environment))].join(', ')}`);
  const onHangUp = () => {
    writeLine(ctx.io.stderr, 'SIGHUP received: restarting the proxy workers');
    running.restartProxy().then(
      () => writeLine(ctx.io.stderr, 'proxy workers restarted'),
      (error: unknown) => writeLine(ctx.io.stderr, `proxy restart failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  process.on('SIGHUP', onHangUp);
  const signal = await nextStopSignal(ctx.io);
  writeLine(ctx.io.stderr, `${signal} received: stopping the control plane`);
  process.off('SIGHUP', onHangUp);
  await running.close();
}

/** --auth or SLUICE_AUTH=1 turns tokens on; SLUICE_BOOTSTRAP_TOKEN is read only then (and never printed). */
function authOf(options: ServerOptions, env: Readonly<Record<string, string | undefined>>): Pick<StartControlPlaneOptions, 'auth'> {
  const flag = env['SLUICE_AUTH']?.trim().toLowerCase();
  const enabled = options.auth === true || flag === '1' || flag === 'true';
  if (!enabled) return {};
  const bootstrapToken = env['SLUICE_BOOTSTRAP_TOKEN']?.trim();
  return { auth: { enabled, ...(bootstrapToken ? { bootstrapToken } : {}) } };
}

/** --ha (or SLUICE_HA=1) with its lease TTL and replica name. */
function haOf(options: ServerOptions, env: Readonly<Record<string, string | undefined>>): Pick<StartControlPlaneOptions, 'ha'> {
  const flag = env['SLUICE_HA']?.trim().toLowerCase();
  if (options.ha !== true && flag !== '1' && flag !== 'true') return {};
  const ttlText = options.leaseTtl ?? env['SLUICE_LEASE_TTL'];
  const leaseTtlMs = ttlText === undefined ? undefined : parseDuration(ttlText);
  if (ttlText !== undefined && (leaseTtlMs === undefined || leaseTtlMs < 200 || leaseTtlMs > 60_000)) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `--lease-ttl: "${ttlText}" is not a lease duration`, { problems: [{ path: '--lease-ttl', message: 'not a duration from 200ms to 1m', found: ttlText, expected: 'e.g. 3s (the default) or 1500ms' }] });
  }
  const holder = options.replicaName ?? env['SLUICE_REPLICA_NAME'];
  if (holder !== undefined && !/^[\x21-\x7e]{1,100}$/.test(holder)) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, '--replica-name: not a name', { problems: [{ path: '--replica-name', message: 'must be 1 to 100 printable characters without spaces', expected: 'e.g. cp-1' }] });
  }
  return { ha: { enabled: true, ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }), ...(holder === undefined ? {} : { holder }) } };
}

const DATA_PLANES = ['builtin', 'nginx', 'haproxy', 'gateway-api', 'istio', 'remote'] as const;
const RUNTIMES = ['process', 'kubernetes'] as const;
const GATEWAY_CHANNELS = ['standard', 'experimental'] as const;

/** One of `choices` (the first when absent), or a usage error naming the option. */
function oneOf<T extends string>(option: string, what: string, choices: readonly [T, ...T[]], text: string | undefined): T {
  if (text === undefined || text === '') return choices[0];
  const kind = choices.find((k) => k === text);
  if (kind === undefined) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `${option}: "${text}" is not a ${what}`, {
      problems: [{ path: option, message: `unknown ${what}`, found: text, expected: choices.join(', ') }],
    });
  }
  return kind;
}

/** The cluster options, when anything asks for Kubernetes (flags first, then environment). */
function kubernetesOf(options: ServerOptions, env: Readonly<Record<string, string | undefined>>): { kubernetes?: KubernetesOptions } {
  const picked: Record<string, string | undefined> = {
    kubeconfig: options.kubeconfig,
    context: options.context ?? env['SLUICE_KUBE_CONTEXT'],
    namespace: options.namespace ?? env['SLUICE_NAMESPACE'],
    gateway: options.gateway ?? env['SLUICE_GATEWAY'],
  };
  const channelText = options.gatewayChannel ?? env['SLUICE_GATEWAY_CHANNEL'];
  const channel = channelText === undefined ? undefined : oneOf('--gateway-channel', 'Gateway API channel', GATEWAY_CHANNELS, channelText);
  const kubernetes = Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined && v !== '')) as KubernetesOptions;
  const all = channel === undefined ? kubernetes : { ...kubernetes, gatewayChannel: channel };
  return Object.keys(all).length === 0 ? {} : { kubernetes: all };
}

function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

function proxyWorkersOf(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 64) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `--proxy-workers: "${text}" is not a worker count`, {
      problems: [{ path: '--proxy-workers', message: 'not a whole number from 0 to 64', found: text, expected: 'a whole number from 0 to 64 (0 = in-process)' }],
    });
  }
  return n;
}

/**
 * Resolves on the first SIGINT or SIGTERM. Later ones are only reported: a Ctrl-C reaches every process
 * of the terminal's group, so a wrapper (`npm start`) forwarding it means two arrive at once, and the
 * default action of the second would kill the server before it drained and stopped its processes.
 */
export function nextStopSignal(io: CommandContext['io']): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (!stopping) {
        stopping = true;
        resolve(signal);
        return;
      }
      writeLine(io.stderr, `${signal} received again: still stopping (draining and stopping local processes); SIGKILL forces it`);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
