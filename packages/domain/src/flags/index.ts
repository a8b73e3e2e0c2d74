export * from './model.js';
export { evaluateFlag, isEnabled, getVariant } from './evaluate.js';
export { applyDeltaEvents } from './delta.js';
export type { DeltaEvent, DeltaResult } from './delta.js';
export { normalizedHash, STRATEGY_SEED, VARIANT_SEED } from './strategies.js';
export { parseSemVer, compareSemVer } from './semver.js';
export type { SemVer } from './semver.js';
