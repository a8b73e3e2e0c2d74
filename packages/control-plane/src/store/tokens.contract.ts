import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { StoredToken } from './token-store.js';
import { withStore, type OpenTestStore } from './testing/store-fixtures.js';

const T0 = Date.UTC(2026, 0, 1);

export function makeToken(name: string, id: string, extra: Partial<StoredToken> = {}): StoredToken {
  return {
    id,
    name,
    role: 'operator',
    services: ['shop', 'payments-*'],
    scopes: ['rollouts'],
    createdAt: T0,
    createdBy: 'admin',
    expiresAt: T0 + 1000,
    revokedAt: null,
    lastUsedAt: null,
    digest: 'ab'.repeat(32),
    ...extra,
  };
}

const isConflict = (e: unknown) => e instanceof SluiceError && e.code === ErrorCode.CONFLICT;

export function registerTokenTests(open: OpenTestStore): void {
  describe('tokens', () => {
    test('create, get by id and by name, list by name, count the unrevoked', () =>
      withStore(open, async (store) => {
        assert.equal(await store.tokens.get('aaaaaaaaaaaa'), undefined);
        assert.equal(await store.tokens.countActive(), 0);
        const ci = makeToken('ci', 'aaaaaaaaaaaa');
        assert.deepEqual(await store.tokens.create(ci), ci);
        await store.tokens.create(makeToken('alice', 'bbbbbbbbbbbb', { role: 'admin', services: ['*'], scopes: [], expiresAt: null }));
        assert.deepEqual(await store.tokens.get('aaaaaaaaaaaa'), ci);
        assert.deepEqual(await store.tokens.getByName('alice'), makeToken('alice', 'bbbbbbbbbbbb', { role: 'admin', services: ['*'], scopes: [], expiresAt: null }));
        assert.equal(await store.tokens.getByName('bob'), undefined);
        assert.deepEqual((await store.tokens.list()).map((t) => t.name), ['alice', 'ci']);
        assert.equal(await store.tokens.countActive(), 2);
      }));

    test('a name held by an unrevoked token, or a taken id, conflicts; a revoked name is reused', () =>
      withStore(open, async (store) => {
        await store.tokens.create(makeToken('ci', 'aaaaaaaaaaaa'));
        await assert.rejects(store.tokens.create(makeToken('ci', 'cccccccccccc')), isConflict);
        await assert.rejects(store.tokens.create(makeToken('other', 'aaaaaaaaaaaa')), isConflict);
        const revoked = await store.tokens.revoke('ci', T0 + 5);
        assert.equal(revoked?.revokedAt, T0 + 5);
        assert.equal(await store.tokens.countActive(), 0);
        await store.tokens.create(makeToken('ci', 'cccccccccccc'));
        assert.equal(await store.tokens.get('aaaaaaaaaaaa'), undefined);
        assert.equal((await store.tokens.getByName('ci'))?.id, 'cccccccccccc');
        assert.equal(await store.tokens.countActive(), 1);
      }));

    test('revoke keeps the first time and answers undefined for an unknown name', () =>
      withStore(open, async (store) => {
        await store.tokens.create(makeToken('ci', 'aaaaaaaaaaaa'));
        await store.tokens.revoke('ci', T0 + 5);
        assert.equal((await store.tokens.revoke('ci', T0 + 9))?.revokedAt, T0 + 5);
        assert.equal(await store.tokens.revoke('nobody', T0), undefined);
        assert.equal((await store.tokens.list())[0]?.revokedAt, T0 + 5);
      }));

    test('touch moves lastUsedAt forward only and never undoes a revocation', () =>
      withStore(open, async (store) => {
        await store.tokens.create(makeToken('ci', 'aaaaaaaaaaaa'));
        await store.tokens.touch('aaaaaaaaaaaa', T0 + 10);
        await store.tokens.touch('aaaaaaaaaaaa', T0 + 3);
        assert.equal((await store.tokens.get('aaaaaaaaaaaa'))?.lastUsedAt, T0 + 10);
        await store.tokens.revoke('ci', T0 + 20);
        await store.tokens.touch('aaaaaaaaaaaa', T0 + 30);
        await store.tokens.touch('unknownxxxxx', T0 + 30);
        assert.deepEqual(await store.tokens.get('aaaaaaaaaaaa'), makeToken('ci', 'aaaaaaaaaaaa', { revokedAt: T0 + 20, lastUsedAt: T0 + 30 }));
      }));
  });
}
