import { runTrafficRouterContract } from '../traffic-router.contract.js';
import { startFakeCluster } from '../../testing/k8s-fake/fake-cluster.js';
import { IstioRouter } from './istio-router.js';

// The shared contract against the schema-validating fake API server: every VirtualService and
// DestinationRule the router applies is validated against the Istio 1.30.3 CRDs.
runTrafficRouterContract('IstioRouter', async () => {
  const cluster = await startFakeCluster();
  return {
    router: new IstioRouter({ api: cluster.client, namespace: 'default' }),
    backends: { v1: ['http://contract-shop-v1.default.svc:80'], v2: ['http://contract-shop-v2.default.svc:80'] },
    cleanup: () => cluster.close(),
  };
});
