/** The flag routes in the OpenAPI document (docs/api.md and docs/flags.md say more). */
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const obj = { type: 'object' };
const ok = (description: string) => ({ '200': { description, ...json(obj) } });
const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const environmentQuery = { name: 'environment', in: 'query', required: true, schema: { type: 'string' } };
const reason = { reason: { type: 'string', minLength: 1, maxLength: 1000 } };

export function flagPaths(errors: object): Record<string, object> {
  return {
    '/flags': { get: { summary: 'Flags, by name, with each environment at a glance', responses: { ...ok('{ items: [FlagView] }'), ...errors } } },
    '/flags/{name}': { get: { parameters: [name], responses: { ...ok('FlagView'), ...errors } } },
    '/flags/{name}/history': { get: { summary: 'Every version of the flag, newest first', parameters: [name, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } }], responses: { ...ok('{ items: [FlagRevision] }'), ...errors } } },
    '/flags/{name}/environments/{environment}': {
      post: {
        summary: 'Turn the flag on or off, set its default rollout or its variant weights in one environment (a new version)',
        parameters: [name, { name: 'environment', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: json({ type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' }, rollout: { type: 'number', minimum: 0, maximum: 100, multipleOf: 0.01 }, variantWeights: { type: 'object', additionalProperties: { type: 'number' } }, ...reason } }),
        responses: { ...ok('FlagView'), ...errors },
      },
    },
    '/flags/{name}/kill': { post: { summary: 'The kill switch: off in every environment', parameters: [name], requestBody: json({ type: 'object', additionalProperties: false, properties: reason }), responses: { ...ok('FlagView'), ...errors } } },
    '/flags/{name}/restore': { post: { summary: 'Make an earlier version current again (as a new version)', parameters: [name], requestBody: json({ type: 'object', additionalProperties: false, required: ['version'], properties: { version: { type: 'integer', minimum: 1 }, ...reason } }), responses: { ...ok('FlagView'), ...errors } } },
    '/flags/stale': { get: { summary: 'Flags fully on or off for longer than their kind expects, and flags no SDK evaluated lately', parameters: [{ name: 'unusedDays', in: 'query', schema: { type: 'integer', minimum: 1 } }], responses: { ...ok('{ unusedDays, items }'), ...errors } } },
    '/flags/evaluate': {
      post: {
        summary: 'Evaluate one flag, some or all (over one snapshot) for a context',
        requestBody: json({ type: 'object', additionalProperties: false, properties: { environment: { type: 'string' }, context: obj, flag: { type: 'string' }, flags: { type: 'array', items: { type: 'string' }, maxItems: 1000 } } }),
        responses: { ...ok('An evaluation, or { environment, seq, results }'), ...errors },
      },
    },
    '/flags/state': { get: { summary: "An environment's flag definitions in Unleash's client shapes (ETag)", parameters: [environmentQuery], responses: { ...ok('{ environment, seq, features, segments }'), '304': { description: 'Not modified' }, ...errors } } },
    '/flags/stream': { get: { summary: 'Server-sent events: unleash-connected (hydration), then unleash-updated per change; Last-Event-ID resumes', parameters: [environmentQuery], responses: { '200': { description: 'text/event-stream' }, ...errors } } },
    '/flags/metrics': { post: { summary: 'Evaluation counts from SDKs', requestBody: json({ type: 'object', required: ['toggles'], properties: { environment: { type: 'string' }, toggles: obj } }), responses: { '202': { description: 'Accepted', ...json(obj) }, ...errors } } },
  };
}
