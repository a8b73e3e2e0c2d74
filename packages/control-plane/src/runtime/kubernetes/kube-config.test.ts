import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
