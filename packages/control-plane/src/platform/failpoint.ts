import { writeSync } from 'node:fs';

/**
 * Named crash points for kill -9 tests, in the manner of etcd's gofail and TiKV's fail-rs.
 * `SLUICE_FAILPOINTS=rollback.before-verify,rollback.after-traffic` (comma-separated names, read
 * once when this module loads) makes `failpoint('rollback.before-verify')` write one line to stderr
 * and SIGKILL this process: no cleanup, no flushing, what a power cut or OOM kill leaves behind.
 * Unset (always, outside crash tests), a call costs one size check. An entry
 * `kill-after-event=WeightChanged:30` kills right after the transaction that records a WeightChanged
 * event to "30" commits: state recorded, side effect not yet verified.
 */
const active: ReadonlySet<string> = new Set(
  (process.env.SLUICE_FAILPOINTS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0),
);

/** Kills this process with SIGKILL if `name` is one of the failpoints in SLUICE_FAILPOINTS. */
export function failpoint(name: string): void {
  if (active.size === 0 || !active.has(name)) return;
  failpointReached(name);
}

function failpointReached(name: string): void {
  // A synchronous write: the line is out before the kill, whatever stderr is connected to.
  writeSync(2, `failpoint ${name}: SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}

const killAfter = [...active].flatMap((entry) => {
  const match = /^kill-after-event=([A-Za-z]+):?(.*)$/.exec(entry);
  return match === null ? [] : [{ type: match[1]!, to: match[2]! }];
});

/** Kills this process after a commit that recorded an event named by a `kill-after-event=` entry. */
export function afterCommitFailpoint(events: readonly { readonly type: string; readonly to?: string }[]): void {
  if (killAfter.length === 0) return;
  for (const { type, to } of killAfter) {
    if (events.some((e) => e.type === type && (to === '' || e.to === to))) failpointReached(`kill-after-event=${type}:${to}`);
  }
}
