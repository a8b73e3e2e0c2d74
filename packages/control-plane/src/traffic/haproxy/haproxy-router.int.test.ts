import { runTrafficRouterContract } from '../traffic-router.contract.js';
import { HaproxyRouter } from './haproxy-router.js';
import { haproxyAvailable, startUpstream, stateDir } from './testing/haproxy-fixture.js';

if (haproxyAvailable('HaproxyRouter contract')) {
  runTrafficRouterContract('haproxy', async () => {
    const state = await stateDir();
    const upstreams = await Promise.all([startUpstream('v1'), startUpstream('v1'), startUpstream('v2')]);
    const [a, b, c] = upstreams;
    const router = new HaproxyRouter({ haproxy: { kind: 'owned', stateDir: state.dir, stopGraceMs: 1_000 } });
    return {
      router,
      backends: { v1: [a?.url ?? '', b?.url ?? ''], v2: [c?.url ?? ''] },
      cleanup: async () => {
        await Promise.all(upstreams.map((u) => u.close()));
        await state.remove();
      },
    };
  });
}
