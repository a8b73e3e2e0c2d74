import { runTrafficRouterContract } from '../traffic-router.contract.js';
import { startFakeCluster } from '../../testing/k8s-fake/fake-cluster.js';
import { GatewayApiRouter } from './gateway-api-router.js';

// The shared contract against the schema-validating fake API server: every HTTPRoute the router applies
// is validated against the Gateway API v1.6.1 CRD (experimental channel, for sessionPersistence).
runTrafficRouterContract('GatewayApiRouter', async () => {
  const cluster = await startFakeCluster({ gatewayChannel: 'experimental' });
  return {
    router: new GatewayApiRouter({ api: cluster.client, namespace: 'default', parentRefs: [{ name: 'edge' }], channel: 'experimental' }),
    backends: { v1: ['http://contract-shop-v1.default.svc:80'], v2: ['http://contract-shop-v2.default.svc:80'] },
    cleanup: () => cluster.close(),
  };
});
