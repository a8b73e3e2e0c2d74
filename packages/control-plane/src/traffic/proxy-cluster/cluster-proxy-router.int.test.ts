import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClusterProxy } from '@sluice/proxy';
import { runTrafficRouterContract } from '../traffic-router.contract.js';
import { ClusterProxyRouter } from './cluster-proxy-router.js';

function upstream(name: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end(name));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      }),
    ),
  );
}

runTrafficRouterContract('ClusterProxyRouter', async () => {
  const [v1, v2] = [await upstream('v1'), await upstream('v2')];
  const router = new ClusterProxyRouter(await ClusterProxy.start({ workers: 2 }));
  return { router, backends: { v1: [v1.url], v2: [v2.url] }, cleanup: async () => void (await Promise.all([v1.close(), v2.close()])) };
});
