/**
 * What `sluice proxy serve` runs, as its own entry point (@sluice/control-plane/data-plane-agent): a
 * data-plane host loads the proxy and its agent, never the store drivers or the controller.
 */
export { DataPlaneAgent, parseControlPlaneUrls, type AgentLog, type DataPlaneAgentOptions } from '@sluice/proxy';
export { createLineLogger } from '../platform/logger.js';
