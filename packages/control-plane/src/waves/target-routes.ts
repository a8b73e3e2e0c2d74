import { ErrorCode, SluiceError, type ObservedSplit, type Rollout, type Target, type TargetProgress } from '@sluice/domain';
import { Hono } from 'hono';
import type { Store } from '../store/store.js';
import type { TargetRouters } from './target-routers.js';

/** What one target serves for one service: its listener, what its data plane reports, the active rollout's progress there. */
export interface TargetServiceView {
  readonly listen: string;
  /** What the target's data plane serves (absent until its route is up). */
  readonly observed?: ObservedSplit;
  /** The service's active rollout and this target's place in it (waves: wave, step, weight, phase). */
  readonly rollout?: { readonly name: string; readonly progress?: TargetProgress };
}

export interface TargetView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly dataPlane: string;
  readonly services: Readonly<Record<string, TargetServiceView>>;
  readonly version: number;
}

async function targetView(target: Target, active: readonly Rollout[], routers: TargetRouters | undefined): Promise<TargetView> {
  const services: Record<string, TargetServiceView> = {};
  for (const [service, binding] of Object.entries(target.spec.dataPlane.services)) {
    const observed = await routers?.existing(target.name)?.observeSplit(service).catch(() => undefined);
    const rollout = active.find((r) => r.spec.service === service);
    const progress = rollout?.status.targets?.[target.name];
    services[service] = {
      listen: binding.listen,
      ...(observed === undefined ? {} : { observed }),
      ...(rollout === undefined ? {} : { rollout: { name: rollout.name, ...(progress === undefined ? {} : { progress }) } }),
    };
  }
  return { name: target.name, labels: target.spec.labels, dataPlane: target.spec.dataPlane.kind, services, version: target.version };
}

/** GET /targets and /targets/{name}, mounted under /api/v1: each target's labels and, per service, what its data plane serves. */
export function targetRoutes(store: Store, routers: TargetRouters | undefined): Hono {
  const api = new Hono();
  api.get('/targets', async (c) => {
    const [targets, active] = await Promise.all([store.targets.list(), store.rollouts.list({ activeOnly: true })]);
    return c.json({ items: await Promise.all(targets.map((t) => targetView(t, active, routers))) });
  });
  api.get('/targets/:name', async (c) => {
    const name = c.req.param('name');
    const target = await store.targets.get(name);
    if (!target) throw new SluiceError(ErrorCode.NOT_FOUND, `Target "${name}" does not exist; \`sluice get targets\` lists them`, { details: { target: name } });
    return c.json(await targetView(target, await store.rollouts.list({ activeOnly: true }), routers));
  });
  return api;
}
