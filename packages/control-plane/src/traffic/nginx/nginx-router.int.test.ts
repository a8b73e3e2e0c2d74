import { runTrafficRouterContract } from '../traffic-router.contract.js';
import { nginxForTests } from './nginx-binary.js';
import { ownedRouter, versionServer } from './nginx-test-fixtures.js';

const binary = nginxForTests();

if (binary !== undefined) {
  runTrafficRouterContract('NginxRouter', async () => {
    const [v1, v2] = await Promise.all([versionServer('v1'), versionServer('v2')]);
    const { router, dispose } = await ownedRouter(binary);
    return {
      router,
      backends: { v1: [v1.url], v2: [v2.url] },
      cleanup: async () => {
        await dispose();
        await Promise.all([v1.close(), v2.close()]);
      },
    };
  });
}
