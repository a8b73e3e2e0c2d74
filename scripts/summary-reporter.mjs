// A node:test reporter that ends the run with one plain line, "N passed, N failed, N skipped".
// (node:test loads reporters through their default export.)
export default async function* summary(source) {
  let passed = 0, failed = 0, skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') continue;
    if (event.type === 'test:fail') failed++;
    else if (event.data.skip || event.data.todo) skipped++;
    else passed++;
  }
  yield `\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`;
}
