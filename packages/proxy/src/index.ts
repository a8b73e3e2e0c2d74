export { BuiltinProxy } from './builtin-proxy.js';
export type { BuiltinProxyOptions } from './builtin-proxy.js';
export type { ErrorCause, ProxyObservation } from './observation.js';
export { pickVersion } from './pick-version.js';
export { readCookie, STICKY_COOKIE_ATTRIBUTES } from './sticky-key.js';
export { parseListen, formatAddress } from './listen-address.js';
export type { ListenAddress } from './listen-address.js';
