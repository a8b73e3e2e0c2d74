import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { cpuUsPerRequest, foreignPercent, parseProcStat, parseSystemCpu, sumTicks, treeOf } from './cpu.js';
import type { ProcStat } from './cpu.js';

// Real lines from /proc/<pid>/stat (an nginx worker, and a node process with a space and ")" in its name).
const NGINX_WORKER =
  '14590 (nginx) S 14588 14580 14580 0 -1 4194624 1412 0 0 0 311 240 0 0 20 0 1 0 341861 13484032 1120 18446744073709551615 1 1 0 0 0 0 0 4096 134 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';
const ODD_NAME =
  '14585 (node (x) y) R 14400 14580 14580 0 -1 4194560 20123 7 0 0 1500 230 12 3 20 0 11 0 341700 1217748000 74431 18446744073709551615 1 1 0 0 0 0 0 4096 134 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0';

describe('parseProcStat', () => {
  test('reads pid, ppid, utime, stime and reaped-children time', () => {
    assert.deepEqual(parseProcStat(NGINX_WORKER), { pid: 14590, comm: 'nginx', ppid: 14588, utime: 311, stime: 240, childTicks: 0 });
  });

  test('counts fields from the last ")" so a command name with spaces and parentheses does not shift them', () => {
    assert.deepEqual(parseProcStat(ODD_NAME), { pid: 14585, comm: 'node (x) y', ppid: 14400, utime: 1500, stime: 230, childTicks: 15 });
  });

  test('rejects a truncated line', () => {
    assert.throws(() => parseProcStat('12 (sh) S 1 12'), /is not understood/);
    assert.throws(() => parseProcStat('garbage'), /is not understood/);
  });
});

const stat = (pid: number, ppid: number, utime: number, stime: number, comm = 'x', childTicks = 0): ProcStat => ({ pid, comm, ppid, utime, stime, childTicks });

describe('process trees', () => {
  // 1 ─ 10 (nginx master) ─ 11, 12 (workers) ─ 13 (helper of 12); 20 is unrelated.
  const stats = [stat(1, 0, 5, 5), stat(10, 1, 2, 1), stat(11, 10, 100, 50), stat(12, 10, 30, 20), stat(13, 12, 1, 1), stat(20, 1, 900, 900)];

  test('treeOf finds a process and all its descendants, and nothing else', () => {
    assert.deepEqual(treeOf(10, stats).sort((a, b) => a - b), [10, 11, 12, 13]);
    assert.deepEqual(treeOf(20, stats), [20]);
    assert.deepEqual(treeOf(99, stats), []);
  });

  test('sumTicks adds user and system time of the given pids only', () => {
    assert.equal(sumTicks(treeOf(10, stats), stats), 3 + 150 + 50 + 2);
  });
});

test('cpuUsPerRequest converts ticks to microseconds per request', () => {
  // 270 ticks at 100 Hz = 2.7 s of CPU over 100,000 requests = 27 µs each.
  assert.equal(cpuUsPerRequest(270, 100, 100_000), 27);
  assert.ok(Number.isNaN(cpuUsPerRequest(10, 100, 0)));
});

describe('machine load', () => {
  test('parseSystemCpu reads busy (not idle or iowait), steal and the total', () => {
    const text = 'cpu  1000 0 100 500 10 0 5 40 0 0\ncpu0 1 0 1 1 0 0 0 0 0 0\nintr 1 2 3\n';
    assert.deepEqual(parseSystemCpu(text), { busy: 1000 + 100 + 5 + 40, steal: 40, total: 1000 + 100 + 500 + 10 + 5 + 40 });
    assert.throws(() => parseSystemCpu('intr 1 2 3'), /no readable "cpu" line/);
  });

  // 100 = us (the benchmark), 101 our child; 200 someone else's shell, 300 ksoftirqd.
  const before = {
    system: { busy: 500, steal: 10, total: 1000 },
    stats: [stat(100, 1, 50, 50), stat(101, 100, 10, 10), stat(200, 1, 5, 5), stat(300, 2, 0, 0, 'ksoftirqd/0')],
  };
  const after = (busy: number, childOf200: number) => ({
    system: { busy, steal: 20, total: 1200 },
    stats: [
      stat(100, 1, 150, 50), stat(101, 100, 90, 10), // ours: +180
      stat(200, 1, 15, 5, 'x', childOf200), // +10 own time, plus what it reaped
      stat(300, 2, 30, 0, 'ksoftirqd/0'), // ignored
      stat(400, 1, 0, 10), // started during the window: all of it
    ],
  });

  test('foreignPercent counts processes outside our tree and steal, not ours or ksoftirqd', () => {
    // (10 + 20 reaped + 10 new + 10 steal) / 200 ticks = 25 %; the machine was busy enough (180 + 60).
    assert.equal(foreignPercent(before, after(740, 20), 100), 25);
    assert.ok(Number.isNaN(foreignPercent(before, before, 100)));
  });

  test('foreignPercent caps the whole-life time of a reaped child at what the machine was busy with besides us', () => {
    // The shell reaped a child that ran for 2,000 ticks, mostly before the window: only 40 ticks were not ours.
    assert.equal(foreignPercent(before, after(720, 2000), 100), 20);
  });
});
