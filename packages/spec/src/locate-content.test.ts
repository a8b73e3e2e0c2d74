import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldPath, SourceMap } from './source-map.js';
import { parseResources } from './parse-resources.js';
import { positionOf } from './testing/positions.js';

/** A valid Rollout whose migration has `fields` (lines indented 4) besides its database. */
function rollout(fields: string): string {
  return `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: r }
spec:
  service: shop
  target: v2
  migration:
    database: { urlFromEnv: SHOP_DATABASE_URL }
${fields}  strategy:
    canary:
      steps:
        - setWeight: 100
`;
}

function sourceOf(text: string): SourceMap {
  const [first] = parseResources(text, { file: 'shop.yaml' });
  assert.ok(first !== undefined);
  return first.source;
}

const content = (source: SourceMap, path: FieldPath) => {
  assert.ok(source.locateContent !== undefined, 'a map made by parseResources knows the text');
  return source.locateContent(path);
};

describe('locateContent', () => {
  test('a block scalar: the line after "|" and the column of the first SQL character', () => {
    const text = rollout('    expand: |\n      ALTER TABLE orders ADD COLUMN note text;\n      CREATE INDEX CONCURRENTLY i ON orders (note);\n    down: DROP INDEX IF EXISTS i\n');
    const source = sourceOf(text);
    assert.deepEqual(content(source, ['spec', 'migration', 'expand']), positionOf(text, 'ALTER TABLE'));
    assert.deepEqual(content(source, ['spec', 'migration', 'expand']), { line: 10, col: 7 });
    // locate itself points at the "|" indicator, one line up.
    assert.deepEqual(source.locate(['spec', 'migration', 'expand']), positionOf(text, '|'));
  });

  test('a block scalar with chomping indicator and a comment after it; a folded scalar', () => {
    const text = rollout('    expand: |- # the new column\n        SELECT 1;\n    down: >\n      DROP COLUMN\n      IF EXISTS x\n');
    const source = sourceOf(text);
    assert.deepEqual(content(source, ['spec', 'migration', 'expand']), positionOf(text, 'SELECT 1'));
    assert.deepEqual(content(source, ['spec', 'migration', 'down']), positionOf(text, 'DROP COLUMN'));
  });

  test('a double-quoted string: the column after the quote', () => {
    const text = rollout('    expand: "ALTER TABLE orders ADD COLUMN note text"\n    down:   \'ALTER TABLE orders DROP COLUMN note\'\n');
    const source = sourceOf(text);
    const quote = positionOf(text, '"ALTER');
    assert.deepEqual(content(source, ['spec', 'migration', 'expand']), { line: quote.line, col: quote.col + 1 });
    assert.deepEqual(source.locate(['spec', 'migration', 'expand']), quote);
    assert.deepEqual(content(source, ['spec', 'migration', 'down']), positionOf(text, "ALTER TABLE orders DROP"));
  });

  test('a plain scalar: its own position', () => {
    const text = rollout('    expand: ALTER TABLE orders ADD COLUMN note text\n    down: ALTER TABLE orders DROP COLUMN note\n');
    const source = sourceOf(text);
    const path = ['spec', 'migration', 'down'];
    assert.deepEqual(content(source, path), positionOf(text, 'ALTER TABLE orders DROP'));
    assert.deepEqual(content(source, path), source.locate(path));
  });

  test('a flow-map value is found like locate finds it', () => {
    const text = rollout('    expand: SELECT 1\n    down: SELECT 2\n');
    const source = sourceOf(text);
    assert.deepEqual(content(source, ['spec', 'migration', 'database', 'urlFromEnv']), positionOf(text, 'SHOP_DATABASE_URL'));
  });
});
