import { readFile, readdir } from 'node:fs/promises';

/** One worker of an nginx master, from /proc. */
export interface NginxWorker {
  readonly pid: number;
  /** True once it has stopped accepting ("worker process is shutting down"). */
  readonly shuttingDown: boolean;
}

/**
 * The worker processes of the nginx master `masterPid`, read from /proc (Linux). nginx retitles a
 * worker "nginx: worker process is shutting down" when it closes its listening sockets after a
 * reload; it exits once its last request finished. Returns undefined where /proc is unavailable.
 */
export async function nginxWorkers(masterPid: number): Promise<NginxWorker[] | undefined> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return undefined;
  }
  const workers: NginxWorker[] = [];
  await Promise.all(
    entries.filter((e) => /^\d+$/.test(e)).map(async (entry) => {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== masterPid) return;
      const title = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
      if (!title.includes('worker process')) return;
      workers.push({ pid: Number(entry), shuttingDown: title.includes('shutting down') });
    }),
  );
  return workers.sort((a, b) => a.pid - b.pid);
}
