// The contenders: each builds its own context objects from the users (before any timing) and owns
// its timing loop, so V8 optimises every loop for one evaluator. `run` returns how many of the
// contexts were enabled.
import { compileFlags, evaluateFlag, type FlagContext, type FlagState } from '@sluice/domain';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import { FEATURE, FLAG, type User } from './fixture.js';

export interface Contender {
  /** Key prefix in the JSON (`<key>EvalsPerSecond`). */
  readonly key: string;
  readonly label: string;
  readonly peer: boolean;
  prepare(users: readonly User[]): void;
  run(): number | Promise<number>;
  close?(): void;
}

const STATE: FlagState = { features: [FEATURE] };
const unleashContext = (u: User): FlagContext => ({ userId: u.id, properties: { country: u.country } });

export function sluiceCompiled(): Contender {
  const flags = compileFlags(STATE);
  let contexts: FlagContext[] = [];
  return {
    key: 'sluiceCompiled',
    label: 'Sluice compileFlags().isEnabled',
    peer: false,
    prepare: (users) => void (contexts = users.map(unleashContext)),
    run: () => {
      let n = 0;
      for (let i = 0; i < contexts.length; i++) if (flags.isEnabled(FLAG, contexts[i])) n++;
      return n;
    },
  };
}

export function sluiceInterpreted(): Contender {
  let contexts: FlagContext[] = [];
  return {
    key: 'sluiceInterpreted',
    label: 'Sluice evaluateFlag (interpreting)',
    peer: false,
    prepare: (users) => void (contexts = users.map(unleashContext)),
    run: () => {
      let n = 0;
      for (let i = 0; i < contexts.length; i++) if (evaluateFlag(STATE, FLAG, contexts[i]).enabled) n++;
      return n;
    },
  };
}

/** unleash-client offline: bootstrapped from the feature, no URL reachable, no metrics, no polling. */
export async function unleash(): Promise<Contender> {
  const client = new Unleash({
    url: 'http://127.0.0.1:1/',
    appName: 'sluice-bench',
    disableMetrics: true,
    refreshInterval: 0,
    skipInstanceCountWarning: true,
    bootstrap: { data: [FEATURE as never] },
    storageProvider: new InMemStorageProvider(),
  });
  client.on('error', () => undefined); // the URL is unreachable on purpose
  await new Promise<void>((resolve) => {
    if (client.isSynchronized()) resolve();
    client.once('synchronized', () => resolve());
  });
  let contexts: FlagContext[] = [];
  return {
    key: 'unleash',
    label: 'unleash-client 6.12.2 isEnabled',
    peer: true,
    prepare: (users) => void (contexts = users.map(unleashContext)),
    run: () => {
      let n = 0;
      for (let i = 0; i < contexts.length; i++) if (client.isEnabled(FLAG, contexts[i] as never)) n++;
      return n;
    },
    close: () => client.destroy(),
  };
}
