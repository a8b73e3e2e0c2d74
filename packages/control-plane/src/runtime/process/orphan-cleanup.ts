import type { InstanceRecord } from './instance-registry.js';
import { groupMembers, isGroupAlive, readEnvironValue, stopGroup } from './process-group.js';
import type { ProcessInfo } from './process-group.js';

/** Every instance runs as `/bin/sh -c <command>`, so users can write `node demo/app.js` or pipes. */
export const SHELL = '/bin/sh';

/** Environment variable carrying an instance's random token (see InstanceRecord.token). */
export const TOKEN_ENV = 'SLUICE_INSTANCE_TOKEN';

/** Longest an orphan may drain before SIGKILL, whatever its recorded grace period. */
const MAX_ORPHAN_GRACE_MS = 10_000;

export interface OrphanReport {
  /** Groups that were still running and were stopped. */
  readonly stopped: readonly InstanceRecord[];
  /** Records whose processes were gone already. */
  readonly gone: readonly InstanceRecord[];
  /** Records whose pgid now belongs to something that is not ours: left alone. */
  readonly foreign: readonly InstanceRecord[];
}

/**
 * Stops the process groups an earlier control plane left behind (it was killed with `kill -9`, so
 * its children survived). A group is only signalled when one of its live members is provably ours:
 * its cmdline is the recorded `/bin/sh -c <command>` (or the command itself, after a shell `exec`),
 * or its environment carries the recorded token. A pid reused by an unrelated program is never killed.
 */
export async function cleanupOrphans(records: readonly InstanceRecord[], log: (line: string) => void): Promise<OrphanReport> {
  const stopped: InstanceRecord[] = [];
  const gone: InstanceRecord[] = [];
  const foreign: InstanceRecord[] = [];
  await Promise.all(
    records.map(async (record) => {
      const where = `${record.service}/${record.version} ${record.instance} (pgid ${record.pgid})`;
      if (!isGroupAlive(record.pgid)) return void gone.push(record);
      if (!groupMembers(record.pgid).some((member) => isOurs(member, record))) {
        log(`[runtime] not stopping process group ${record.pgid}: it no longer runs ${where}'s command`);
        return void foreign.push(record);
      }
      const graceMs = Math.min(record.gracePeriodMs, MAX_ORPHAN_GRACE_MS);
      const outcome = await stopGroup(record.pgid, { graceMs });
      log(`[runtime] stopped leftover instance ${where} from an earlier run (${outcome})`);
      stopped.push(record);
    }),
  );
  return { stopped, gone, foreign };
}

function isOurs(member: ProcessInfo, record: InstanceRecord): boolean {
  if (readEnvironValue(member.pid, TOKEN_ENV) === record.token) return true;
  if (member.argv !== undefined) {
    const [shell, flag, script] = member.argv;
    const viaShell = member.argv.length === 3 && shell === SHELL && flag === '-c' && script === record.command;
    return viaShell || member.command === record.command;
  }
  // `ps` fallback: only the joined form is known.
  return member.command === `/bin/sh -c ${record.command}` || member.command === record.command;
}
