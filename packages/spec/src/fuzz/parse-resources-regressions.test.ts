import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { parseResources } from '../parse-resources.js';

// Inputs the parser fuzz test (parse-resources.fuzz.test.ts) found; each once crashed parseResources.

test('parseResources reports a long run of lines under a mis-indented one as INVALID_SPEC, not a stack overflow', () => {
  // A sequence item where a key belongs, thousands of indented items, then a key again: the YAML parser
  // (yaml 2.9.1) recursed once per item on the way back out, and threw RangeError at about 2,000.
  const steps = Array.from({ length: 20_000 }, (_, i) => `    - setWeight: ${i % 101}`).join('\n');
  const text = `apiVersion: sluice.dev/v1\nkind: Rollout\n- setWeight: 0\n${steps}\nspec:\n  service: shop\n`;
  assert.ok(Buffer.byteLength(text) < 1024 * 1024, 'within the size limit, so the parser does run');
  assert.throws(
    () => parseResources(text, { file: 'deep.yaml' }),
    (error: unknown) => {
      assert.ok(error instanceof SluiceError, String(error));
      assert.equal(error.code, ErrorCode.INVALID_SPEC);
      assert.equal(error.problems.length, 1);
      assert.deepEqual([error.problems[0]?.file, error.problems[0]?.line, error.problems[0]?.col], ['deep.yaml', 1, 1]);
      assert.match(error.problems[0]?.message ?? '', /^invalid YAML: too deeply nested/);
      return true;
    },
  );
});
