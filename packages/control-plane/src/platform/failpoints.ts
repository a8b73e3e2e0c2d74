/**
 * Crash points for durability tests, off unless the SLUICE_FAILPOINTS environment variable is set.
 * `SLUICE_FAILPOINTS=kill-after-event=WeightChanged:30` kills this process with SIGKILL right after
 * the transaction that records a WeightChanged event to "30" commits: a deterministic kill -9 at
 * the most delicate instant (state recorded, side effect not yet verified).
 */
const spec = process.env.SLUICE_FAILPOINTS ?? '';
const killAfter = /kill-after-event=([A-Za-z]+):?([^,]*)/.exec(spec);

export function afterCommitFailpoint(events: readonly { readonly type: string; readonly to?: string }[]): void {
  if (!killAfter) return;
  const [, type, to] = killAfter;
  if (events.some((e) => e.type === type && (!to || e.to === to))) {
    process.stderr.write(`failpoint: kill-after-event=${type}:${to} reached; SIGKILL\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
