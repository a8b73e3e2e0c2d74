import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { loadKubeConnection } from './kube-config.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: kind
  cluster: { server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true }
- name: other
  cluster: { server: "https://10.0.0.1:6443" }
users:
- name: sluice
  user: { token: abc123 }
contexts:
- name: dev
  context: { cluster: kind, user: sluice, namespace: shop }
- name: prod
  context: { cluster: other, user: sluice }
`;

test('loadKubeConnection reads the server, bearer token and TLS settings of a kubeconfig context', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kubeconfig-'));
  try {
    const file = join(dir, 'config');
    writeFileSync(file, KUBECONFIG);
    const dev = await loadKubeConnection({ kubeconfig: file });
    assert.equal(dev.server, 'https://127.0.0.1:6443');
    assert.equal(dev.headers?.['authorization'], 'Bearer abc123');
    assert.equal(dev.rejectUnauthorized, false);
    const prod = await loadKubeConnection({ kubeconfig: file, context: 'prod' });
    assert.equal(prod.server, 'https://10.0.0.1:6443');
    assert.notEqual(prod.rejectUnauthorized, false);
    assert.equal(dev.namespace, 'shop', 'the context\'s namespace');
    assert.equal(prod.namespace, undefined, 'a context without one');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing kubeconfig, an unknown context or a context without a cluster is an INVALID_REQUEST saying what is missing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kubeconfig-'));
  const rejects = (message: RegExp) => (error: unknown) => error instanceof SluiceError && error.code === ErrorCode.INVALID_REQUEST && message.test(error.message);
  try {
    const file = join(dir, 'config');
    writeFileSync(file, KUBECONFIG);
    await assert.rejects(loadKubeConnection({ kubeconfig: join(dir, 'absent') }), rejects(/absent: .*ENOENT.*expected a readable kubeconfig/));
    await assert.rejects(loadKubeConnection({ kubeconfig: file, context: 'staging' }), rejects(/no context "staging"; expected one of dev, prod/));
    const empty = join(dir, 'empty');
    writeFileSync(empty, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    await assert.rejects(loadKubeConnection({ kubeconfig: empty }), rejects(/no current context; expected a current-context/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
