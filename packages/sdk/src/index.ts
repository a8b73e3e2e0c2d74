/** @sluice/sdk: Sluice feature flags for Node and browsers. */
export { SluiceClient } from './client.js';
export type { ClientEvaluation, ClientEvents, ClientState, ClientVariant, SluiceClientOptions, StateSource } from './options.js';
export { DEFAULTS } from './options.js';
export { memoryCache, localStorageCache } from './cache.js';
export type { FlagCache, StorageLike } from './cache.js';
export { SluiceError } from './errors.js';
export type { SluiceErrorCode } from './errors.js';
export type { Clock, Timers } from './timers.js';
export type { FetchLike } from './http.js';
export { Emitter } from './emitter.js';
export type { Listener } from './emitter.js';
export { SseParser } from './sse.js';
export type { SseMessage, SseHandlers } from './sse.js';
export type { FlagContext, FlagEvaluation, FlagState, FeatureDefinition, SegmentDefinition } from '@sluice/domain';
