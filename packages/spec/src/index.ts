export { parseResources, DEFAULT_MAX_BYTES, DEFAULT_MAX_DOCUMENTS } from './parse-resources.js';
export type { ParsedResource, ParseOptions } from './parse-resources.js';
export type { SourceMap, Position, FieldPath } from './source-map.js';
export { checkReferences } from './check-references.js';
export type { ExistingResources } from './check-references.js';
export { resourceJsonSchema } from './resource-json-schema.js';
export { formatProblems } from './format-problems.js';
export { API_VERSION } from './schemas.js';
export { PROXY_TIMING_DEFAULTS } from './proxy-schemas.js';
