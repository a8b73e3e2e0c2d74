import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseResources, type ParsedResource } from '@sluice/spec';
import { migrationGateProblems } from './migration-gate.js';

const rollout = (migration: string): ParsedResource & { kind: 'Rollout' } => {
  const text = `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: r }
spec:
  service: shop
  target: v2
  migration:
    database: { urlFromEnv: SHOP_DB }
${migration}
  strategy:
    canary:
      steps:
        - setWeight: 100
        - contract: {}
`;
  const [resource] = parseResources(text, { file: 'release.yaml' });
  assert.equal(resource?.kind, 'Rollout');
  return resource as ParsedResource & { kind: 'Rollout' };
};

const ENV = { SHOP_DB: 'postgres://u:secret@db/shop' };

describe('migrationGateProblems', () => {
  test('a generated column rename passes: its expand only adds', async () => {
    assert.deepEqual(await migrationGateProblems(rollout('    columnChange: { table: orders, from: customer, to: client, type: text }'), ENV), []);
  });

  test('a missing database variable is a problem at urlFromEnv, naming the variable and never a URL', async () => {
    const problems = await migrationGateProblems(rollout('    columnChange: { table: orders, from: customer, to: client, type: text }'), {});
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, 'spec.migration.database.urlFromEnv');
    assert.match(problems[0]?.message ?? '', /SHOP_DB is not set/);
  });

  test('contract may drop, but unsafe SQL in contract or down is refused with its position in the YAML', async () => {
    const problems = await migrationGateProblems(rollout(`    expand: "ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text"
    down: "ALTER TABLE orders DROP COLUMN IF EXISTS note"
    contract: |
      ALTER TABLE orders DROP COLUMN IF EXISTS legacy;
      ALTER TABLE orders ALTER COLUMN note SET NOT NULL;`), ENV);
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.equal(problems[0]?.path, 'spec.migration.contract');
    assert.deepEqual([problems[0]?.line, problems[0]?.col], [13, 7], 'the SET NOT NULL line of the block');
    assert.match(problems[0]?.message ?? '', /^contract: unsafe \[/);
  });

  test('a syntax error is reported inside the YAML string', async () => {
    const problems = await migrationGateProblems(rollout(`    expand: "ALTER TABLE orders ADD COLUMN"
    down: "SELECT 1"
    contract: "SELECT 1"`), ENV);
    assert.equal(problems.length, 1);
    assert.deepEqual([problems[0]?.line, problems[0]?.col], [9, 43], 'at the end of the statement, inside the quotes');
    assert.match(problems[0]?.message ?? '', /syntax error/);
  });
});
