/** @sluice/sdk/node: the same client, over node:http (faster streams on servers). */
import { SluiceClient } from '../client.js';
import type { SluiceClientOptions } from '../options.js';
import { nodeFetch } from './node-fetch.js';

export { nodeFetch } from './node-fetch.js';
export * from '../index.js';

/** A SluiceClient whose requests go over node:http / node:https (unless `options.fetch` says otherwise). */
export function createNodeClient(options: SluiceClientOptions): SluiceClient {
  return new SluiceClient({ fetch: nodeFetch, ...options });
}
