import { ErrorCode, SluiceError } from '@sluice/domain';
import type { KubeClient } from './runtime/kubernetes/kube-client.js';

/**
 * Which cluster Sluice drives, and where in it: what `sluice server --runtime kubernetes` and
 * `--data-plane gateway-api|istio` need. Part of the composition root.
 */
export interface KubernetesChoice {
  /** A kubeconfig file; absent: $KUBECONFIG, ~/.kube/config, else the in-cluster service account. */
  readonly kubeconfig?: string | undefined;
  /** A kubeconfig context; absent: its current-context. */
  readonly context?: string | undefined;
  /** Namespace of the Deployments, Services and routes; absent: the context's namespace, else "default". */
  readonly namespace?: string | undefined;
  /**
   * Gateway API: the Gateway every HTTPRoute attaches to, "name" or "namespace/name" (required).
   * Istio: the gateway a VirtualService binds to, "namespace/name" (absent: the mesh's sidecars only).
   */
  readonly gateway?: string | undefined;
  /** Gateway API: "experimental" when the cluster has the experimental-channel HTTPRoute CRD (version stickiness). */
  readonly gatewayChannel?: 'standard' | 'experimental' | undefined;
}

/** A connected cluster: the API client and the namespace Sluice works in. */
export interface KubernetesCluster {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly choice: KubernetesChoice;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function invalidOption(option: string, found: string, message: string, expected: string): SluiceError {
  return new SluiceError(ErrorCode.INVALID_REQUEST, `${option}: ${message}`, { problems: [{ path: option, message, found, expected }] });
}

/** "name" or "namespace/name", each a DNS label. */
export function parseGatewayRef(text: string): { readonly name: string; readonly namespace?: string } {
  const parts = text.split('/');
  const valid = parts.length <= 2 && parts.every((p) => DNS_LABEL.test(p));
  if (!valid) throw invalidOption('--gateway', text, 'not a Gateway reference', '"name" or "namespace/name", each a lower-case DNS label');
  const [first, second] = parts as [string, string | undefined];
  return second === undefined ? { name: first } : { namespace: first, name: second };
}

/** Connects once, for the runtime and the routers alike; @kubernetes/client-node is loaded only here. */
export async function connectCluster(choice: KubernetesChoice): Promise<KubernetesCluster> {
  if (choice.namespace !== undefined && !DNS_LABEL.test(choice.namespace)) {
    throw invalidOption('--namespace', choice.namespace, 'not a namespace name', 'a lower-case DNS label, e.g. shop');
  }
  if (choice.gateway !== undefined) parseGatewayRef(choice.gateway);
  const { loadKubeConnection } = await import('./runtime/kubernetes/kube-config.js');
  const { KubeClient } = await import('./runtime/kubernetes/kube-client.js');
  const connection = await loadKubeConnection({
    ...(choice.kubeconfig === undefined ? {} : { kubeconfig: choice.kubeconfig }),
    ...(choice.context === undefined ? {} : { context: choice.context }),
  });
  return { client: new KubeClient(connection), namespace: choice.namespace ?? connection.namespace ?? 'default', choice };
}
