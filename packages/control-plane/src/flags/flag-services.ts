import type { FlagHub } from './flag-hub.js';
import type { FlagTokens } from './flag-tokens.js';

/** The flag machinery the HTTP routes and step executors share (made by the composition root). */
export interface FlagServices {
  readonly hub: FlagHub;
  readonly tokens: FlagTokens;
}
