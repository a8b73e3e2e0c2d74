import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planColumnChange, quoteIdentifier } from './column-change.js';

describe('planColumnChange', () => {
  test('a rename: new column, a trigger copying whichever side a writer changed, batched backfill, contract drops the old column', () => {
    const plan = planColumnChange({ table: 'public.orders', from: 'customer', to: 'client', type: 'text' });
    assert.match(plan.expand[0] ?? '', /^ALTER TABLE public\.orders ADD COLUMN IF NOT EXISTS client text$/);
    assert.match(plan.expand[1] ?? '', /NEW\.client := NEW\.customer;[\s\S]*NEW\.customer := NEW\.client;/);
    assert.match(plan.expand[3] ?? '', /BEFORE INSERT OR UPDATE ON public\.orders FOR EACH ROW/);
    assert.match(plan.backfillBatch(500), /LIMIT 500 FOR UPDATE SKIP LOCKED/);
    assert.match(plan.backfillBatch(0), /LIMIT 1 /, 'at least one row per batch');
    assert.deepEqual(plan.contract.at(-1), 'ALTER TABLE public.orders DROP COLUMN IF EXISTS customer');
    assert.deepEqual(plan.down.at(-1), 'ALTER TABLE public.orders DROP COLUMN IF EXISTS client');
  });

  test('a type change converts each way with up and down', () => {
    const plan = planColumnChange({ table: 'orders', from: 'amount', to: 'amount_cents', type: 'bigint', up: '($1 * 100)::bigint', down: '($1 / 100)::int' });
    assert.match(plan.expand[1] ?? '', /NEW\.amount_cents := \(NEW\.amount \* 100\)::bigint/);
    assert.match(plan.expand[1] ?? '', /NEW\.amount := \(NEW\.amount_cents \/ 100\)::int/);
    assert.match(plan.backfillBatch(10), /SET amount_cents = \(amount \* 100\)::bigint/);
  });

  test('identifiers that are not plain lower-case names are quoted', () => {
    assert.equal(quoteIdentifier('client'), 'client');
    assert.equal(quoteIdentifier('Client Name'), '"Client Name"');
    assert.equal(quoteIdentifier('we"ird'), '"we""ird"');
    const plan = planColumnChange({ table: 'Orders', from: 'Customer', to: 'client', type: 'text' });
    assert.match(plan.contract.at(-1) ?? '', /ALTER TABLE "Orders" DROP COLUMN IF EXISTS "Customer"/);
  });
});
