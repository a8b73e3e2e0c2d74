import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { KubeClient } from './kube-client.js';
import type { KubeConnection } from './kube-client.js';

export interface KubeConfigOptions {
  /** Path of a kubeconfig file; absent: $KUBECONFIG, ~/.kube/config, else the in-cluster service account. */
  readonly kubeconfig?: string;
  /** Context to use; absent: the kubeconfig's current-context. */
  readonly context?: string;
}

/**
 * Reads a kubeconfig (or the in-cluster service account) into a KubeConnection. @kubernetes/client-node
 * (1.4.0) is imported here only, on first use, so a control plane without Kubernetes never loads it.
 * Token, client-certificate, exec and auth-provider users all work: client-node fills the TLS options and
 * the Authorization header. Call it again when an exec/OIDC token expires (the header is a snapshot).
 */
export async function loadKubeConnection(options: KubeConfigOptions = {}): Promise<KubeConnection> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  const source = options.kubeconfig ?? defaultKubeconfig();
  try {
    if (source === undefined) config.loadFromCluster();
    else config.loadFromFile(source);
  } catch (error) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `kubeconfig ${source ?? '(in-cluster service account)'}: ${error instanceof Error ? error.message : String(error)}; expected a readable kubeconfig (--kubeconfig, $KUBECONFIG, ~/.kube/config) or an in-cluster service account`);
  }
  if (options.context !== undefined) {
    if (config.getContextObject(options.context) === null) {
      throw new SluiceError(ErrorCode.INVALID_REQUEST, `kubeconfig ${source ?? ''}: no context "${options.context}"; expected one of ${config.getContexts().map((c) => c.name).join(', ') || '(none)'}`);
    }
    config.setCurrentContext(options.context);
  }
  const cluster = config.getCurrentCluster();
  if (cluster === null) {
    const context = config.getCurrentContext();
    const what = context === undefined || context === '' ? 'no current context' : `no cluster for context "${context}"`;
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `kubeconfig ${source ?? '(in-cluster)'}: ${what}; expected a current-context (or --context) whose cluster is defined`);
  }
  const https: { headers?: Record<string, string>; ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean } = {};
  await config.applyToHTTPSOptions(https);
  const namespace = config.getContextObject(config.getCurrentContext())?.namespace;
  return {
    server: cluster.server,
    ...(namespace === undefined || namespace === '' ? {} : { namespace }),
    ...(https.headers === undefined ? {} : { headers: flatHeaders(https.headers) }),
    ...(https.ca === undefined ? {} : { ca: https.ca }),
    ...(https.cert === undefined ? {} : { cert: https.cert }),
    ...(https.key === undefined ? {} : { key: https.key }),
    ...(https.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: https.rejectUnauthorized }),
  };
}

/**
 * The kubeconfig client-node's loadFromDefault would read: the first of $KUBECONFIG, else ~/.kube/config;
 * undefined inside a pod (the service account). Outside a pod with neither, client-node would silently
 * aim at http://localhost:8080, so that case is an error naming what is missing.
 */
function defaultKubeconfig(): string | undefined {
  const fromEnv = process.env['KUBECONFIG']?.split(delimiter).find((p) => p !== '');
  if (fromEnv !== undefined) return fromEnv;
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return home;
  if (process.env['KUBERNETES_SERVICE_HOST'] !== undefined) return undefined;
  throw new SluiceError(ErrorCode.INVALID_REQUEST, 'no kubeconfig: --kubeconfig is not given, $KUBECONFIG is unset, ~/.kube/config does not exist and this is not a pod; expected one of them');
}

function flatHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** A KubeClient for the kubeconfig's (or the service account's) cluster; field manager "sluice" unless told. */
export async function connectKubernetes(options: KubeConfigOptions & { readonly fieldManager?: string } = {}): Promise<KubeClient> {
  const connection = await loadKubeConnection(options);
  return new KubeClient(connection, options.fieldManager === undefined ? {} : { fieldManager: options.fieldManager });
}
