// A fake API server plus a KubeClient connected to it: what the Kubernetes adapters' tests start.
import { KubeClient } from '../../runtime/kubernetes/kube-client.js';
import { FakeKubeApiServer } from './fake-api-server.js';
import type { FakeKubeApiOptions } from './fake-api-server.js';

export interface FakeCluster {
  readonly server: FakeKubeApiServer;
  readonly client: KubeClient;
  close(): Promise<void>;
}

export async function startFakeCluster(options: FakeKubeApiOptions = {}): Promise<FakeCluster> {
  const server = await FakeKubeApiServer.start(options);
  return { server, client: new KubeClient({ server: server.url }), close: () => server.close() };
}
