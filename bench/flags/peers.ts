// GrowthBook and OpenFeature contenders (see contenders.ts for the shape).
import { murmur3 } from '@sluice/domain';
import { GrowthBook, GrowthBookClient } from '@growthbook/growthbook';
import { InMemoryProvider, OpenFeature, type EvaluationContext } from '@openfeature/server-sdk';
import type { Contender } from './contenders.js';
import { COUNTRIES_IN, FLAG, ROLLOUT_PERCENT, type User } from './fixture.js';

/** The same flag in GrowthBook's terms: a force rule with the condition and coverage 0.1, hashed on `id`. */
const GROWTHBOOK_FEATURES = {
  [FLAG]: {
    defaultValue: false,
    rules: [{ condition: { country: { $in: [...COUNTRIES_IN] } }, coverage: ROLLOUT_PERCENT / 100, force: true, hashAttribute: 'id' }],
  },
};

interface Attributes {
  readonly id: string;
  readonly country: string;
}
const attributesOf = (u: User): Attributes => ({ id: u.id, country: u.country });

/** `GrowthBook` (the per-user instance API): setAttributes then isOn, on one instance. */
export function growthbookInstance(): Contender {
  const gb = new GrowthBook({ attributes: {}, features: GROWTHBOOK_FEATURES });
  let contexts: Attributes[] = [];
  return {
    key: 'growthbookInstance',
    label: '@growthbook/growthbook 1.8.0 GrowthBook.setAttributes+isOn',
    peer: true,
    prepare: (users) => void (contexts = users.map(attributesOf)),
    run: () => {
      let n = 0;
      for (let i = 0; i < contexts.length; i++) {
        gb.setAttributes(contexts[i] as Attributes);
        if (gb.isOn(FLAG)) n++;
      }
      return n;
    },
    close: () => gb.destroy(),
  };
}

/** `GrowthBookClient` (the multi-user server API): isOn(flag, { attributes }). */
export function growthbookClient(): Contender {
  const gb = new GrowthBookClient({});
  gb.initSync({ payload: { features: GROWTHBOOK_FEATURES } });
  let contexts: { attributes: Attributes }[] = [];
  return {
    key: 'growthbookClient',
    label: '@growthbook/growthbook 1.8.0 GrowthBookClient.isOn',
    peer: true,
    prepare: (users) => void (contexts = users.map((u) => ({ attributes: attributesOf(u) }))),
    run: () => {
      let n = 0;
      for (let i = 0; i < contexts.length; i++) if (gb.isOn(FLAG, contexts[i] as { attributes: Attributes })) n++;
      return n;
    },
    close: () => gb.destroy(),
  };
}

const allowed: ReadonlySet<unknown> = new Set(COUNTRIES_IN);

/** OpenFeature's InMemoryProvider: the rollout and the condition in a contextEvaluator (same murmur3 as Unleash). */
export async function openfeature(): Promise<Contender> {
  const provider = new InMemoryProvider({
    [FLAG]: {
      variants: { on: true, off: false },
      defaultVariant: 'off',
      disabled: false,
      contextEvaluator: (ctx: EvaluationContext) =>
        allowed.has(ctx['country']) && (murmur3(`${FLAG}:${String(ctx.targetingKey)}`) % 100) + 1 <= ROLLOUT_PERCENT ? 'on' : 'off',
    },
  });
  await OpenFeature.setProviderAndWait(provider);
  const client = OpenFeature.getClient();
  let contexts: EvaluationContext[] = [];
  return {
    key: 'openfeature',
    label: '@openfeature/server-sdk 1.23.0 InMemoryProvider getBooleanValue',
    peer: true,
    prepare: (users) => void (contexts = users.map((u) => ({ targetingKey: u.id, country: u.country }))),
    run: async () => {
      let n = 0;
      for (let i = 0; i < contexts.length; i++) if (await client.getBooleanValue(FLAG, false, contexts[i])) n++;
      return n;
    },
    close: () => void OpenFeature.close(),
  };
}
