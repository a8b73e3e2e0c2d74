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
  if (options.kubeconfig === undefined) config.loadFromDefault();
  else config.loadFromFile(options.kubeconfig);
  if (options.context !== undefined) config.setCurrentContext(options.context);
  const cluster = config.getCurrentCluster();
  if (cluster === null) {
    throw new SluiceError(ErrorCode.INVALID_SPEC, `kubeconfig: no cluster for context "${config.getCurrentContext()}"; expected a context with a cluster`);
  }
  const https: { headers?: Record<string, string>; ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean } = {};
  await config.applyToHTTPSOptions(https);
  return {
    server: cluster.server,
    ...(https.headers === undefined ? {} : { headers: flatHeaders(https.headers) }),
    ...(https.ca === undefined ? {} : { ca: https.ca }),
    ...(https.cert === undefined ? {} : { cert: https.cert }),
    ...(https.key === undefined ? {} : { key: https.key }),
    ...(https.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: https.rejectUnauthorized }),
  };
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
