import { EVENT_SUBJECT_KINDS } from '@sluice/domain';
import { flagPaths } from '../flags/flag-openapi.js';
import { authPaths } from '../auth/auth-openapi.js';
import { resourceJsonSchema } from '@sluice/spec';

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = {
  '400': { description: 'Bad input (INVALID_SPEC, INVALID_REQUEST, UNKNOWN_REFERENCE)', ...json(ref('Error')) },
  '401': { description: 'No valid API token, with --auth (UNAUTHENTICATED)', ...json(ref('Error')) },
  '403': { description: 'The actor or token may not do this (FORBIDDEN)', ...json(ref('Error')) },
  '404': { description: 'Not found', ...json(ref('Error')) },
  '409': { description: 'Conflict with the current state', ...json(ref('Error')) },
  '413': { description: 'Body too large', ...json(ref('Error')) },
};
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const items = (name: string) => ({ type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref(name) } } });

const schemas = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message', 'id', 'details'],
        properties: {
          code: { type: 'string', description: 'Stable code from docs/errors.md' },
          message: { type: 'string' },
          id: { type: 'string', description: 'Matches the server log line' },
          details: { type: 'object', properties: { problems: { type: 'array', items: ref('Problem') } } },
        },
      },
    },
  },
  Problem: {
    type: 'object',
    required: ['message'],
    properties: {
      file: { type: 'string' }, line: { type: 'integer' }, col: { type: 'integer' },
      path: { type: 'string' }, message: { type: 'string' }, found: { type: 'string' }, expected: { type: 'string' },
    },
  },
  ReleaseEvent: {
    type: 'object',
    required: ['seq', 'at', 'actor', 'service', 'subject', 'type', 'reason'],
    properties: {
      seq: { type: 'integer' }, at: { type: 'integer', description: 'ms since epoch' }, actor: { type: 'string' },
      service: { type: 'string' }, subject: { type: 'object', properties: { kind: { enum: [...EVENT_SUBJECT_KINDS] }, name: { type: 'string' } } },
      type: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, reason: { type: 'string' },
      source: { type: 'string', description: 'client IP address of the API request (absent for the controller)' },
      data: { type: 'object', description: 'for a person\'s action: before, after (and diff, truncated); see docs/api.md#releaseevent' },
    },
  },
  ServiceView: { type: 'object', required: ['name', 'version', 'spec', 'status', 'workloads'], description: 'See docs/api.md#serviceview' },
  RevisionView: {
    type: 'object',
    required: ['service', 'number', 'stable', 'spec', 'createdAt', 'actor', 'outcome', 'current', 'undoable'],
    description: 'See docs/api.md#revisionview',
    properties: {
      service: { type: 'string' }, number: { type: 'integer', minimum: 1 }, stable: { type: 'string' }, spec: { type: 'object' },
      createdAt: { type: 'integer', description: 'ms since epoch' }, actor: { type: 'string' }, rollout: { type: 'string' }, experiment: { type: 'string' },
      outcome: { enum: ['created', 'promoted', 'applied', 'undone-to'] }, undoneTo: { type: 'integer' },
      current: { type: 'boolean' }, supersededAt: { type: 'integer', description: 'ms since epoch' },
      undoable: { type: 'boolean' }, reason: { type: 'string', description: 'why undo cannot return to it' },
    },
  },
  RolloutView: { type: 'object', required: ['name', 'version', 'spec', 'status', 'steps'], description: 'See docs/api.md#rolloutview' },
  TargetView: { type: 'object', required: ['name', 'labels', 'dataPlane', 'services', 'version'], description: 'See docs/api.md#targetview' },
  SegmentView: {
    type: 'object',
    required: ['name', 'version', 'spec', 'usedBy'],
    description: 'See docs/api.md#segmentview',
    properties: {
      name: { type: 'string' },
      version: { type: 'integer' },
      spec: { type: 'object', required: ['match'], properties: { match: { type: 'array', items: { type: 'object' } } } },
      usedBy: { type: 'object', properties: { services: { type: 'array', items: { type: 'string' } }, rollouts: { type: 'array', items: { type: 'string' } } } },
    },
  },
  AnalysisTemplateView: {
    type: 'object',
    required: ['name', 'version', 'spec', 'usedBy'],
    description: 'See docs/api.md#analysistemplateview',
    properties: {
      name: { type: 'string' },
      version: { type: 'integer' },
      spec: { type: 'object', required: ['args', 'metrics'], properties: { args: { type: 'array', items: { type: 'object' } }, metrics: { type: 'array', items: { type: 'object' } } } },
      usedBy: { type: 'object', properties: { rollouts: { type: 'array', items: { type: 'string' } } } },
    },
  },
  ApplyResult: {
    type: 'object',
    properties: {
      dryRun: { type: 'boolean' },
      results: { type: 'array', items: { type: 'object', properties: { kind: { type: 'string' }, name: { type: 'string' }, action: { enum: ['created', 'configured', 'unchanged'] } } } },
    },
  },
  ExperimentView: { type: 'object', required: ['name', 'version', 'spec', 'status', 'allocation', 'users', 'droppedExposures', 'report'], description: 'See docs/api.md#experimentview' },
  Resource: resourceJsonSchema(),
};

/** Experiments: reads, stop and promote, and the conversion events they count. */
const EXPERIMENT_PATHS = {
  '/experiments': { get: { parameters: [{ name: 'service', in: 'query', schema: { type: 'string' } }, { name: 'phase', in: 'query', schema: { enum: ['running', 'stopped', 'promoted'] } }], responses: { '200': { description: 'Experiments, by name', ...json(items('ExperimentView')) }, ...errors } } },
  '/experiments/{name}': { get: { parameters: [nameParam], responses: { '200': { description: 'Experiment with its report', ...json(ref('ExperimentView')) }, ...errors } } },
  '/experiments/{name}/stop': {
    post: { summary: 'Stop counting events; an experiment of versions gives the split back to stable', parameters: [nameParam], requestBody: json({ type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 1000 } } }), responses: { '200': { description: 'Experiment', ...json(ref('ExperimentView')) }, ...errors } },
  },
  '/experiments/{name}/promote': {
    post: { summary: "Promote the winner (or, with force, a named variant); a version becomes the service's stable", parameters: [nameParam], requestBody: json({ type: 'object', additionalProperties: false, properties: { variant: { type: 'string' }, force: { type: 'boolean' } } }), responses: { '200': { description: 'Experiment', ...json(ref('ExperimentView')) }, ...errors } },
  },
};

/** Webhooks (resources applied with /apply) and their dead letters; secrets are never answered. */
const WEBHOOK_PATHS = {
  '/webhooks': { get: { summary: 'Webhooks, by name (the secret as its variable name and whether it is set)', responses: { '200': { description: 'Webhooks', ...json({ type: 'object', required: ['items'] }) }, ...errors } } },
  '/webhooks/{name}': { get: { parameters: [nameParam], responses: { '200': { description: 'Webhook', ...json({ type: 'object' }) }, ...errors } } },
  '/webhooks/{name}/dead-letters': { get: { summary: 'Deliveries that failed every attempt, with the last error', parameters: [nameParam], responses: { '200': { description: 'Dead letters', ...json({ type: 'object', required: ['items'] }) }, ...errors } } },
  '/webhooks/{name}/dead-letters/{id}/retry': {
    post: { summary: 'Send a dead letter again (same delivery id)', parameters: [nameParam, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '202': { description: 'Queued again', ...json({ type: 'object' }) }, ...errors } },
  },
};

/** POST /events: conversion events (exposures with "$exposure"). */
const EVENT_SCHEMA = {
  type: 'object', additionalProperties: false, required: ['events'],
  properties: { events: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'object', additionalProperties: false, required: ['key', 'event'], properties: { key: { type: 'string', minLength: 1, maxLength: 200 }, event: { type: 'string', maxLength: 200 }, value: { type: 'number' }, at: { oneOf: [{ type: 'integer', description: 'ms since epoch' }, { type: 'string', format: 'date-time' }] }, experiment: { type: 'string' } } } } },
};

/** A service's revisions and `undo`. */
const REVISION_PATHS = {
  '/services/{name}/revisions': { get: { summary: 'The revisions of the service, lowest number first, with whether undo may return to each', parameters: [nameParam], responses: { '200': { description: 'Revisions', ...json(items('RevisionView')) }, ...errors } } },
  '/services/{name}/undo': {
    post: {
      summary: 'Make an earlier revision\'s version stable again at once, without analysis (default: the revision before the current one)',
      parameters: [nameParam],
      requestBody: json({ type: 'object', additionalProperties: false, properties: { toRevision: { type: 'integer', minimum: 1 } } }),
      responses: { '200': { description: 'Service', ...json(ref('ServiceView')) }, ...errors },
    },
  },
};

/** Rollouts: reads, the decision log and the commands a person gives. */
const ROLLOUT_PATHS = {
  '/rollouts': { get: { parameters: [{ name: 'service', in: 'query', schema: { type: 'string' } }], responses: { '200': { description: 'Rollouts', ...json(items('RolloutView')) } } } },
  '/rollouts/{name}': { get: { parameters: [nameParam], responses: { '200': { description: 'Rollout with its last 20 events (AnalysisMeasured left out)', ...json(ref('RolloutView')) }, ...errors } } },
  '/rollouts/{name}/events': { get: { summary: 'Events of the rollout but AnalysisMeasured (see /decisions), oldest first', parameters: [nameParam, { name: 'after', in: 'query', schema: { type: 'integer' } }], responses: { '200': { description: 'Events', ...json(items('ReleaseEvent')) }, ...errors } } },
  '/rollouts/{name}/promote': {
    post: { summary: 'End the current pause, or skip all remaining steps with full', parameters: [nameParam], requestBody: json({ type: 'object', additionalProperties: false, properties: { full: { type: 'boolean' } } }), responses: { '200': { description: 'Rollout', ...json(ref('RolloutView')) }, ...errors } },
  },
  '/rollouts/{name}/abort': {
    post: { summary: 'Return all traffic to stable', parameters: [nameParam], requestBody: json({ type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 1000 } } }), responses: { '200': { description: 'Rollout', ...json(ref('RolloutView')) }, ...errors } },
  },
  '/rollouts/{name}/approve': {
    post: {
      summary: 'Approve the current approval step, or confirm a checklist instruction (item)',
      parameters: [nameParam],
      requestBody: json({ type: 'object', additionalProperties: false, properties: { comment: { type: 'string', maxLength: 2000 }, item: { type: 'string', minLength: 1, maxLength: 253 } } }),
      responses: { '200': { description: 'Rollout', ...json(ref('RolloutView')) }, ...errors },
    },
  },
  '/rollouts/{name}/reject': {
    post: {
      summary: 'Reject: abort the rollout, recording who and why',
      parameters: [nameParam],
      requestBody: json({ type: 'object', additionalProperties: false, properties: { comment: { type: 'string', maxLength: 2000 } } }),
      responses: { '200': { description: 'Rollout', ...json(ref('RolloutView')) }, ...errors },
    },
  },
  '/rollouts/{name}/pause': {
    post: {
      summary: 'Hold the rollout for a person: no step advances (nor a pause step ends) until resume; the guardian and abort still act',
      parameters: [nameParam],
      requestBody: json({ type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 1000 } } }),
      responses: { '200': { description: 'Rollout', ...json(ref('RolloutView')) }, ...errors },
    },
  },
  '/rollouts/{name}/resume': {
    post: {
      summary: 'Release a pause made with pause',
      parameters: [nameParam],
      requestBody: json({ type: 'object', additionalProperties: false, properties: { comment: { type: 'string', maxLength: 2000 } } }),
      responses: { '200': { description: 'Rollout', ...json(ref('RolloutView')) }, ...errors },
    },
  },
  '/rollouts/{name}/decisions': {
    get: {
      summary: 'The decision log: AnalysisMeasured, AnalysisDecided, ChecklistItemChanged, ApprovalRecorded and LoadFinished events, oldest first',
      parameters: [nameParam, { name: 'after', in: 'query', schema: { type: 'integer' } }, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 } }],
      responses: { '200': { description: 'Decisions', ...json({ type: 'object', required: ['decisions'], properties: { decisions: { type: 'array', items: ref('ReleaseEvent') } } }) }, ...errors },
    },
  },
  '/rollouts/{name}/metrics': {
    get: {
      summary: "Per-second requests, error rate and p50/p99 latency of the rollout's stable and canary versions (columnar), its guard's thresholds and step boundaries; at most the last 6 hours",
      parameters: [nameParam, { name: 'after', in: 'query', description: 'Only seconds after this time (ms since the epoch)', schema: { type: 'integer', minimum: 0 } }],
      responses: { '200': { description: 'RolloutMetrics (docs/api.md)', ...json({ type: 'object', required: ['rollout', 'service', 'stable', 'canary', 'from', 'to', 'stepMs', 'series', 'thresholds', 'steps'] }) }, ...errors },
    },
  },
};

const ANALYSIS_TEMPLATE_PATHS = {
  '/analysistemplates': { get: { summary: 'List analysis templates', responses: { '200': { description: 'Analysis templates, by name', ...json(items('AnalysisTemplateView')) } } } },
  '/analysistemplates/{name}': { get: { parameters: [nameParam], responses: { '200': { description: 'Analysis template', ...json(ref('AnalysisTemplateView')) }, ...errors } } },
};

/** GET /events: filters and paging. */
const EVENT_LIST_PARAMS = [
  { name: 'after', in: 'query', description: 'only events with seq > after', schema: { type: 'integer', minimum: 0 } },
  { name: 'before', in: 'query', description: 'only events with seq < before', schema: { type: 'integer', minimum: 1 } },
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 } },
  { name: 'order', in: 'query', schema: { enum: ['asc', 'desc'], default: 'asc' } },
  { name: 'service', in: 'query', schema: { type: 'string', maxLength: 253 } },
  { name: 'actor', in: 'query', schema: { type: 'string', maxLength: 100 } },
  { name: 'source', in: 'query', description: 'client IP address the events were recorded from', schema: { type: 'string', maxLength: 64 } },
  { name: 'type', in: 'query', description: 'comma-separated event types', schema: { type: 'string' } },
  { name: 'subject', in: 'query', description: 'Kind/name, e.g. Rollout/shop-v2', schema: { type: 'string' } },
];

/** The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json. */
export function openApiDocument(): object {
  return {
    openapi: '3.1.0',
    info: { title: 'Sluice control plane', version: '0.1.0', description: 'Progressive delivery: services, rollouts, segments, analysis templates and their release events.' },
    servers: [{ url: '/api/v1' }],
    paths: {
      '/apply': {
        post: {
          summary: 'Create or update resources, all or nothing',
          parameters: [{ name: 'dryRun', in: 'query', schema: { type: 'boolean' } }, { name: 'x-sluice-filename', in: 'header', schema: { type: 'string' } }],
          requestBody: { content: { 'application/yaml': { schema: { type: 'string' } }, 'application/json': { schema: { oneOf: [ref('Resource'), { type: 'object', properties: { files: { type: 'array' } } }] } } } },
          responses: { '200': { description: 'Applied', ...json(ref('ApplyResult')) }, ...errors },
        },
      },
      '/services': { get: { summary: 'List services', responses: { '200': { description: 'Services', ...json(items('ServiceView')) } } } },
      '/services/{name}': { get: { parameters: [nameParam], responses: { '200': { description: 'Service', ...json(ref('ServiceView')) }, ...errors } } },
      '/services/{name}/history': { get: { summary: 'Revision history, oldest first, 10,000 per page', parameters: [nameParam, { name: 'after', in: 'query', schema: { type: 'integer' } }], responses: { '200': { description: 'Events, oldest first', ...json(items('ReleaseEvent')) }, ...errors } } },
      '/services/{name}/traffic': {
        get: {
          summary: 'Traffic of the last N seconds from the 1-second windows: requests, status classes, errors by cause, latency percentiles, per-second series',
          parameters: [nameParam, { name: 'window', in: 'query', schema: { type: 'string', default: '60s' } }, { name: 'version', in: 'query', schema: { type: 'string' } }, { name: 'route', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { description: 'Aggregated traffic', ...json({ type: 'object' }) }, ...errors },
        },
      },
      ...REVISION_PATHS,
      ...ROLLOUT_PATHS,
      ...ANALYSIS_TEMPLATE_PATHS,
      '/segments': { get: { summary: 'List segments', responses: { '200': { description: 'Segments, by name', ...json(items('SegmentView')) } } } },
      '/segments/{name}': { get: { parameters: [nameParam], responses: { '200': { description: 'Segment', ...json(ref('SegmentView')) }, ...errors } } },
      '/targets': { get: { summary: 'List targets and what each one serves', responses: { '200': { description: 'Targets, by name', ...json(items('TargetView')) } } } },
      '/targets/{name}': { get: { parameters: [nameParam], responses: { '200': { description: 'Target', ...json(ref('TargetView')) }, ...errors } } },
      ...EXPERIMENT_PATHS,
      ...WEBHOOK_PATHS,
      ...flagPaths(errors),
      ...authPaths(errors),
      '/events': {
        post: { summary: 'Conversion events for the running experiments, all or nothing', requestBody: json(EVENT_SCHEMA), responses: { '200': { description: 'What each experiment counted', ...json({ type: 'object', properties: { received: { type: 'integer' }, experiments: { type: 'object' } } }) }, ...errors } },
        get: { summary: 'Release events of every service, filtered and paged', parameters: EVENT_LIST_PARAMS, responses: { '200': { description: 'Events', ...json(items('ReleaseEvent')) }, ...errors } } },
      '/events/stream': {
        get: {
          summary: 'Server-sent events: every stored event as `id: SEQ`, `event: event`, `data: ReleaseEvent`; resumes after Last-Event-ID (or after); without either, only events stored after connecting',
          parameters: [{ name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 } }, { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } }],
          responses: { '200': { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, '429': { description: 'Too many open streams', ...json(ref('Error')) }, ...errors },
        },
      },
      '/proxy/restart': {
        post: { summary: 'Rolling restart of the multi-process data plane: no refused connection, no failed request', responses: { '200': { description: 'Restarted', ...json({ type: 'object', properties: { restarted: { type: 'boolean' }, router: { type: 'string' }, ms: { type: 'integer' } } }) }, '409': errors['409'] } },
      },
      '/schema': { get: { summary: 'JSON Schema of one resource document', responses: { '200': { description: 'JSON Schema' } } } },
    },
    components: { schemas },
  };
}
