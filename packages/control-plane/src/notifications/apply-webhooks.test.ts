import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSluiceError } from '@sluice/domain';
import { parseResources } from '@sluice/spec';
import { applyResources } from '../resources/apply-resources.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { isNonPublicAddress, parseWebhookAllowHosts } from './outbound-policy.js';

const doc = (url: string, env = 'HOOK_SECRET') =>
  `apiVersion: sluice.dev/v1\nkind: Webhook\nmetadata: { name: ops }\nspec:\n  url: ${url}\n  events: [rolledBack]\n  secretFrom: { env: ${env} }\n`;
const opts = { dryRun: false, actor: 'alice', now: 1, env: { HOOK_SECRET: 'topsecret-value' }, webhookPolicy: { allowHosts: [] } };

describe('applying a Webhook', () => {
  test('is stored, then unchanged, then configured', async () => {
    const store = new MemoryStore();
    const apply = (text: string) => applyResources(store, parseResources(text, { file: 'hooks.yaml' }), opts);
    assert.deepEqual(await apply(doc('https://hooks.example.com/a')), [{ kind: 'Webhook', name: 'ops', action: 'created' }]);
    assert.deepEqual(await apply(doc('https://hooks.example.com/a')), [{ kind: 'Webhook', name: 'ops', action: 'unchanged' }]);
    assert.deepEqual(await apply(doc('https://hooks.example.com/b')), [{ kind: 'Webhook', name: 'ops', action: 'configured' }]);
    assert.equal((await store.webhooks.get('ops'))?.spec.url, 'https://hooks.example.com/b');
    const events = await store.events.list();
    assert.deepEqual(events.map((e) => [e.type, e.subject.kind, e.subject.name, e.to, e.actor]), [
      ['ResourceChanged', 'Webhook', 'ops', 'created', 'alice'],
      ['ResourceChanged', 'Webhook', 'ops', 'configured', 'alice'],
    ]);
    assert.deepEqual([(events[1]?.data?.before as { url: string }).url, (events[1]?.data?.after as { url: string }).url], ['https://hooks.example.com/a', 'https://hooks.example.com/b']);
    assert.equal(JSON.stringify(events).includes('topsecret-value'), false, 'the secret never reaches an event');
  });

  test('a secret variable the control plane lacks is UNKNOWN_REFERENCE at secretFrom.env; nothing is stored', async () => {
    const store = new MemoryStore();
    await assert.rejects(applyResources(store, parseResources(doc('https://hooks.example.com/a', 'MISSING_SECRET'), { file: 'hooks.yaml' }), opts), (error) => {
      assert.ok(isSluiceError(error));
      assert.equal(error.code, 'UNKNOWN_REFERENCE');
      assert.deepEqual([error.problems[0]?.path, error.problems[0]?.line, error.problems[0]?.col, error.problems[0]?.found], ['spec.secretFrom.env', 7, 22, 'MISSING_SECRET not set']);
      assert.equal(JSON.stringify(error.problems).includes('topsecret-value'), false);
      return true;
    });
    assert.equal(await store.webhooks.get('ops'), undefined);
  });

  test('a URL the outbound policy refuses is UNSUPPORTED_CAPABILITY at spec.url', async () => {
    for (const url of ['http://169.254.169.254/latest', 'http://127.0.0.1:9000/', 'http://[::ffff:10.0.0.1]/', 'http://localhost:8080/']) {
      await assert.rejects(applyResources(new MemoryStore(), parseResources(doc(url), { file: 'hooks.yaml' }), opts), (error) => {
        assert.ok(isSluiceError(error));
        assert.equal(error.code, 'UNSUPPORTED_CAPABILITY', url);
        assert.equal(error.problems[0]?.path, 'spec.url');
        return true;
      });
    }
    const allowed = await applyResources(new MemoryStore(), parseResources(doc('http://127.0.0.1:9000/'), { file: 'h.yaml' }), { ...opts, webhookPolicy: { allowHosts: ['127.0.0.1'] } });
    assert.equal(allowed[0]?.action, 'created');
  });
});

describe('outbound policy', () => {
  test('non-public addresses, IPv4 and IPv6, mapped ones included', () => {
    for (const a of ['127.0.0.1', '10.2.3.4', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:a00:1']) {
      assert.equal(isNonPublicAddress(a), true, a);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(isNonPublicAddress(a), false, a);
  });

  test('the allow-list is read from HOST[,HOST…], and a bad entry names itself', () => {
    assert.deepEqual(parseWebhookAllowHosts(' Hooks.Example.com,127.0.0.1,*.corp.example,[::1] '), ['hooks.example.com', '127.0.0.1', '*.corp.example', '::1']);
    assert.deepEqual(parseWebhookAllowHosts(undefined), []);
    assert.throws(() => parseWebhookAllowHosts('ok.example.com,http://x'), /"http:\/\/x" is not a list of webhook hosts/);
  });
});
