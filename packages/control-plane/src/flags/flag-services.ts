import type { FlagEvaluationCounter } from './flag-evaluations.js';
import type { FlagHub } from './flag-hub.js';
import type { FlagTokens } from './flag-tokens.js';

/** The flag machinery the HTTP routes and step executors share (made by the composition root). */
export interface FlagServices {
  readonly hub: FlagHub;
  readonly tokens: FlagTokens;
  /** "On" evaluations reported by SDKs, the exposure of flag rollouts; absent, none is counted. */
  readonly evaluations?: FlagEvaluationCounter;
}
