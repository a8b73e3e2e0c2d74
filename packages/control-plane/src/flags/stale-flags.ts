import { staleFlags, type StaleFlag } from '@sluice/domain';
import type { Store } from '../store/store.js';

/** GET /flags/stale: the stale-flag report over the stored flags and their evaluation counts. */
export async function staleReport(store: Store, now: number, options: { unusedDays: number }): Promise<{ unusedDays: number; items: StaleFlag[] }> {
  const [flags, usage] = await Promise.all([store.flags.list(), store.flags.usage()]);
  return { unusedDays: options.unusedDays, items: staleFlags(flags, usage, now, options) };
}
