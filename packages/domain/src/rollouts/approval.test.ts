import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, SluiceError } from '../errors.js';
import { EventType } from '../events/release-event.js';
import { approveStep, rejectRollout, selfApprovalRefusal, type ApprovalPolicy } from './approval.js';
import { Phase } from './phase.js';
import { startRollout } from './progress.js';
import { createRollout, type Rollout } from './rollout.js';
import type { ApprovalStep } from './verification-steps.js';

const T0 = 1_000_000;

/** Waiting at its approval step (step 1), created by `author`. */
function waiting(step: Omit<ApprovalStep, 'kind'> = {}, author: string | null = 'alice'): Rollout {
  const spec = { service: 'shop', target: 'v2', strategy: { kind: 'canary' as const, steps: [{ kind: 'approval' as const, ...step }, { kind: 'setWeight' as const, weight: 100 }] } };
  return startRollout(createRollout('shop-v2', spec, 'v1', T0, author ?? undefined), T0).rollout;
}

function forbidden(rule: string) {
  return (error: unknown) => {
    assert.ok(error instanceof SluiceError, String(error));
    assert.equal(error.code, ErrorCode.FORBIDDEN);
    assert.equal(error.message, `Cannot approve step 1 of rollout "shop-v2": the rollout's author alice may not approve it: approvals need another person (${rule})`);
    assert.equal(error.details.createdBy, 'alice');
    return true;
  };
}

describe('self-approval', () => {
  test('createRollout records its author', () => {
    assert.equal(waiting().createdBy, 'alice');
    assert.equal('createdBy' in waiting({}, null), false);
  });

  test('allowAuthor: false refuses the author, and nothing changes', () => {
    const rollout = waiting({ allowAuthor: false });
    assert.throws(() => approveStep(rollout, 'alice', 'lgtm', undefined, T0 + 5), forbidden('approval.allowAuthor: false'));
    assert.equal(rollout.status.stepState?.approval, undefined);
  });

  test('allowAuthor: false lets another person approve', () => {
    const { rollout, events } = approveStep(waiting({ allowAuthor: false }), 'bob', undefined, undefined, T0 + 5);
    assert.equal(rollout.status.stepState?.approval?.by, 'bob');
    assert.deepEqual(events.map((e) => [e.type, e.to]), [[EventType.ApprovalRecorded, 'approved']]);
  });

  test('the server policy applies to steps that do not say, and a step may allow the author', () => {
    const policy: ApprovalPolicy = { selfApproval: false };
    assert.throws(
      () => approveStep(waiting(), 'alice', undefined, undefined, T0 + 5, policy),
      forbidden('sluice server --no-self-approval; a step may allow it with approval.allowAuthor: true'),
    );
    const allowed = approveStep(waiting({ allowAuthor: true }), 'alice', undefined, undefined, T0 + 5, policy);
    assert.equal(allowed.rollout.status.stepState?.approval?.by, 'alice');
  });

  test('without a policy or allowAuthor, the author may approve (the default)', () => {
    const { rollout } = approveStep(waiting(), 'alice', undefined, undefined, T0 + 5);
    assert.equal(rollout.status.stepState?.approval?.by, 'alice');
  });

  test('a rollout with no recorded author is not refused', () => {
    assert.equal(selfApprovalRefusal({ name: 'old' }, { allowAuthor: false }, 'alice'), undefined);
    assert.equal(selfApprovalRefusal({ name: 'x', createdBy: 'alice' }, { allowAuthor: false }, 'bob'), undefined);
  });

  test('the author may still reject (stop) the rollout', () => {
    const { rollout, events } = rejectRollout(waiting({ allowAuthor: false }), 'alice', 'not yet', T0 + 5);
    assert.equal(rollout.status.phase, Phase.Aborting);
    assert.equal(events[0]?.to, 'rejected');
  });
});
