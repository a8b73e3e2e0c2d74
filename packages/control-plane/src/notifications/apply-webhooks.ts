import type { Problem, Webhook } from '@sluice/domain';
import type { ParsedResource } from '@sluice/spec';
import type { Stamp } from '../orchestrator/commit.js';
import { appliedEvent } from '../events/resource-events.js';
import type { StoreTransaction } from '../store/store.js';
import { staticRefusal, type OutboundPolicy } from './outbound-policy.js';

type WebhookResource = ParsedResource & { kind: 'Webhook' };

function problemAt(r: WebhookResource, path: readonly string[], problem: Omit<Problem, 'file' | 'line' | 'col' | 'path'>): Problem {
  return { file: r.source.file, ...(r.source.locate(path) ?? {}), path: path.join('.'), ...problem };
}

const webhooksOf = (resources: readonly ParsedResource[]) => resources.filter((r): r is WebhookResource => r.kind === 'Webhook');

/** Webhooks whose secret variable the control plane does not have (UNKNOWN_REFERENCE). The value is never read into a message. */
export function webhookSecretProblems(resources: readonly ParsedResource[], env: Readonly<Record<string, string | undefined>>): Problem[] {
  return webhooksOf(resources).flatMap((r) => {
    const variable = r.spec.secretFrom.env;
    const value = env[variable];
    if (value !== undefined && value !== '') return [];
    return [problemAt(r, ['spec', 'secretFrom', 'env'], {
      message: `the control plane has no environment variable ${variable} (the webhook's signing secret)`,
      found: value === undefined ? `${variable} not set` : `${variable} empty`,
      expected: `${variable} set (non-empty) in the environment of sluice server, or the name of a variable that is`,
    })];
  });
}

/** Webhooks whose URL the outbound policy refuses without resolving it (UNSUPPORTED_CAPABILITY). */
export function webhookUrlProblems(resources: readonly ParsedResource[], policy: OutboundPolicy): Problem[] {
  return webhooksOf(resources).flatMap((r) => {
    const refused = staticRefusal(policy, r.spec.url);
    if (refused === undefined) return [];
    const expected = policy.allowHosts.length > 0 ? `a URL whose host is one of: ${policy.allowHosts.join(', ')}` : 'a URL of a public host (start the server with --webhook-allow-host to allow others)';
    return [problemAt(r, ['spec', 'url'], { message: `webhook URL refused: ${refused}`, found: new URL(r.spec.url).host, expected })];
  });
}

/** Webhooks are created or replaced as a whole, each change recorded as a ResourceChanged event (the spec names the secret's variable, never its value). */
export async function planWebhooks(tx: StoreTransaction, resources: readonly ParsedResource[], stamp: Stamp) {
  const results: { kind: 'Webhook'; name: string; action: 'created' | 'configured' | 'unchanged' }[] = [];
  const writes: Array<() => Promise<unknown>> = [];
  for (const r of webhooksOf(resources)) {
    const existing = await tx.webhooks.get(r.name);
    const expected = existing?.version ?? 0;
    const action = existing === undefined ? 'created' : JSON.stringify(existing.spec) === JSON.stringify(r.spec) ? 'unchanged' : 'configured';
    results.push({ kind: 'Webhook', name: r.name, action });
    const webhook: Webhook = { name: r.name, spec: r.spec, version: expected };
    if (action === 'unchanged') continue;
    const events = appliedEvent('Webhook', r.name, existing, r.spec, stamp);
    writes.push(() => tx.webhooks.save(webhook, expected), () => tx.events.append(events));
  }
  return { results, writes };
}
