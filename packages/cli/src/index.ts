export { main, buildProgram } from './main.js';
export type { CliIo, TextSink } from './cli-io.js';
export { ApiClient, resolveActor, resolveBaseUrl, DEFAULT_URL, type ApiClientOptions } from './api-client.js';
export type * from './api-types.js';
export { ExitCode } from './report-error.js';
