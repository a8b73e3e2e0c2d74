// The benchmark's one flag and its users. The flag: a 10 % flexibleRollout on userId (groupId =
// the flag's name) behind one constraint, country IN [DE, FR, NL]; 90 % of the users are in one of
// those countries, so about 9 % of evaluations are enabled. Users are `user-<i>`, their countries
// drawn from a seeded PRNG, so every run and every contender sees the same population.
import { mulberry32, murmur3, type FeatureDefinition } from '@sluice/domain';

export const FLAG = 'checkout-v2';
export const ROLLOUT_PERCENT = 10;
export const COUNTRIES_IN = ['DE', 'FR', 'NL'] as const;
const COUNTRIES_OUT = ['US', 'GB', 'ES'] as const;
export const MATCH_RATE = 0.9;

export const FEATURE: FeatureDefinition = {
  name: FLAG,
  enabled: true,
  strategies: [
    {
      name: 'flexibleRollout',
      parameters: { rollout: String(ROLLOUT_PERCENT), stickiness: 'userId', groupId: FLAG },
      constraints: [{ contextName: 'country', operator: 'IN', values: [...COUNTRIES_IN] }],
    },
  ],
};

export interface User {
  readonly id: string;
  readonly country: string;
}

export function makeUsers(count: number, seed = 20261205): User[] {
  const rand = mulberry32(seed);
  const users: User[] = new Array<User>(count);
  for (let i = 0; i < count; i++) {
    const pool = rand() < MATCH_RATE ? COUNTRIES_IN : COUNTRIES_OUT;
    users[i] = { id: `user-${i}`, country: pool[Math.floor(rand() * pool.length)] as string };
  }
  return users;
}

/** The reference decision (Unleash's rule): in an allowed country and in the 10 % bucket. */
export function expectedEnabled(user: User): boolean {
  return (COUNTRIES_IN as readonly string[]).includes(user.country) && (murmur3(`${FLAG}:${user.id}`) % 100) + 1 <= ROLLOUT_PERCENT;
}
