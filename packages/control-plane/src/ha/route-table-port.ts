import { ErrorCode, SluiceError } from '@sluice/domain';
import type { Store } from '../store/store.js';
import type { RouteTablePort } from '../traffic/published/published-router.js';

/**
 * The PublishedRouter's view of the store: it reads the tables and reports directly, and writes
 * through `writer()`, the current leader term's fenced store (undefined on a follower, which must not
 * publish: FENCED).
 */
export function storeRouteTablePort(store: Pick<Store, 'routes' | 'dataPlaneReports'>, writer: () => Pick<Store, 'routes'> | undefined): RouteTablePort {
  const writing = () => {
    const current = writer();
    if (current === undefined) throw new SluiceError(ErrorCode.FENCED, 'This replica is not the leader: only the leader publishes route tables', { details: { lease: 'controller' } });
    return current.routes;
  };
  return {
    put: (route, split) => writing().put(route, split),
    remove: (service) => writing().remove(service),
    get: (service) => store.routes.get(service),
    reports: (since) => store.dataPlaneReports.list(since),
  };
}
