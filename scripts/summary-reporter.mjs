// A node:test reporter that ends the run with one plain line, "N passed, N failed, N skipped",
// preceded by every failed test (file:line, name, first lines of its error) so that the tail of a CI
// log — often all that is kept — says what failed. (node:test loads reporters through their default export.)
import { relative } from 'node:path';

const MAX_ERROR_LINES = 12;

function describeError(error) {
  const cause = error?.cause ?? error;
  const text = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
  return text.split('\n').filter((l) => !/\(node:|at node:/.test(l)).slice(0, MAX_ERROR_LINES).map((l) => `    ${l}`).join('\n');
}

export default async function* summary(source) {
  let passed = 0, failed = 0, skipped = 0;
  const failures = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') continue;
    if (event.type === 'test:fail') {
      failed++;
      const where = event.data.file ? `${relative(process.cwd(), event.data.file)}:${event.data.line ?? '?'}` : '?';
      failures.push(`✗ ${where} ${event.data.name}\n${describeError(event.data.details?.error)}`);
    } else if (event.data.skip || event.data.todo) skipped++;
    else passed++;
  }
  if (failures.length > 0) yield `\nfailed tests:\n${failures.join('\n')}\n`;
  yield `\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`;
}
