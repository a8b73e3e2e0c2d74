import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { observationOf } from './access-log-observation.js';
import { AccessLogTail } from './access-log-tail.js';

async function withTail(body: (file: string, lines: string[], tail: AccessLogTail) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-tail-'));
  const file = join(dir, 'access.log');
  await writeFile(file, 'old line\n');
  const lines: string[] = [];
  const tail = new AccessLogTail(file, (line) => lines.push(line), { intervalMs: 60_000, maxLineBytes: 100, maxReadBytes: 16 });
  try {
    await tail.start();
    await body(file, lines, tail);
  } finally {
    await tail.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('AccessLogTail', () => {
  test('hands over appended complete lines only, in small reads, from the end at start', () =>
    withTail(async (file, lines, tail) => {
      await appendFile(file, 'first line that is longer than one read\nsecond');
      await tail.poll();
      assert.deepEqual(lines, ['first line that is longer than one read']);
      await appendFile(file, ' half\n');
      await tail.poll();
      assert.deepEqual(lines, ['first line that is longer than one read', 'second half']);
    }));

  test('follows truncation and rotation, finishing the rotated file first', () =>
    withTail(async (file, lines, tail) => {
      await appendFile(file, 'a\n');
      await tail.poll();
      await truncate(file, 0);
      await appendFile(file, 'b\n');
      await tail.poll();
      await appendFile(file, 'c\n');
      await rename(file, `${file}.1`);
      await writeFile(file, 'd\n');
      await tail.poll();
      assert.deepEqual(lines, ['a', 'b', 'c', 'd']);
    }));

  test('drops a line longer than the limit and keeps the next', () =>
    withTail(async (file, lines, tail) => {
      await appendFile(file, `${'x'.repeat(150)}`);
      await tail.poll();
      await appendFile(file, `${'x'.repeat(50)}\nshort\n`);
      await tail.poll();
      assert.deepEqual(lines, ['short']);
    }));
});

describe('observationOf', () => {
  test('reads a line of the rendered log format', () => {
    const line = '{"service":"shop","version":"v2","route":"beta","status":200,"requestTime":0.012,"upstreamStatus":"200","key":"carol","generation":3}';
    assert.deepEqual(observationOf(line), { service: 'shop', version: 'v2', route: 'beta', status: 200, durationMs: 12, key: 'carol' });
    const timeout = '{"service":"shop","version":"v1","route":"split","status":504,"requestTime":60.001,"upstreamStatus":"504","key":"","generation":3}';
    assert.deepEqual(observationOf(timeout), { service: 'shop', version: 'v1', route: 'split', status: 504, durationMs: 60_001, cause: 'timeout' });
    assert.equal(observationOf('not json'), undefined);
    assert.equal(observationOf('{"service":"shop"}'), undefined);
  });
});
