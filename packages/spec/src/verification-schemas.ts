import { DEFAULT_LOAD_MAX_IN_FLIGHT, LOAD_LIMITS } from '@sluice/domain';
import { z } from 'zod';
import { analysisRefFields, checkFields, headerMap, httpUrl, queryForJudge } from './analysis-schemas.js';
import { checkCondition } from './placeholders.js';
import { DNS_LABEL, duration, exactlyOneKey, hint, name } from './schema-hints.js';

/**
 * Schemas of the steps that gather evidence or a person's decision (analysis, approval, checklist,
 * load) and of a Rollout's background analysis, as written in YAML. verification-to-domain.ts turns
 * them into the domain's steps.
 */

export const VERIFICATION_STEP_KINDS = ['analysis', 'approval', 'checklist', 'load'] as const;
export const OPERATION_KINDS = ['command', 'http', 'instruction'] as const;
/** The running totals a load step's stopWhen may use (LoadStep in the domain). */
export const LOAD_STOP_VARIABLES = ['requests', 'errors', 'errorRate', 'p50Ms', 'p99Ms', 'timeouts'] as const;
export const MAX_CHECKLIST_ITEMS = 50;
export const DEFAULT_EXPECT_STATUS: readonly number[] = [200, 201, 202, 203, 204];
const MAX_BODY = 64 * 1024;
const MIN_VERIFICATION_INTERVAL_MS = 100;
const MAX_OPERATION_TIMEOUT_MS = 3_600_000;
const MAX_LOAD_TIMEOUT_MS = 5 * 60_000;

const method = hint(z.string().max(32).regex(/^[A-Za-z]+$/), 'an HTTP method, e.g. GET or POST', 'invalid method');
const body = hint(z.string().max(MAX_BODY), `a request body of at most ${MAX_BODY} characters`, 'body too long');

/** An analysis step (and a blue-green strategy's pre- and post-promotion analysis). */
export const analysis = hint(
  z.strictObject({ ...analysisRefFields, duration: duration(1000).optional() }),
  'a map with templates and optional args and duration, e.g. { templates: [success-rate], duration: 5m }',
);

/** `spec.strategy.canary.analysis`: runs beside the steps from step `startingStep` (1-based) on. */
export const backgroundAnalysis = hint(
  z.strictObject({
    ...analysisRefFields,
    startingStep: hint(
      z.int().min(1).max(100),
      'the number of the step (1 for the first, the default) the analysis starts at',
      'startingStep out of range',
    ).optional(),
  }),
  'a map with templates and optional args and startingStep, e.g. { templates: [success-rate], startingStep: 2 }',
);

export const approval = hint(
  z.strictObject({
    message: hint(z.string().min(1).max(1000), 'a message for the approver, 1 to 1000 characters', 'invalid message').optional(),
    approvers: hint(
      z.array(hint(z.string().max(128).regex(/\S/), 'an actor name, 1 to 128 characters', 'invalid approver')).min(1).max(50),
      'a list of 1 to 50 actors who may approve (anyone may when approvers is left out)',
      'wrong number of approvers',
    ).optional(),
    allowAuthor: hint(
      z.boolean(),
      "true or false: false means the rollout's author may not approve (another person must); left out, the server decides (sluice server --no-self-approval forbids it)",
      'not a boolean',
    ).optional(),
  }),
  'a map with optional message, approvers and allowAuthor, e.g. {} or { approvers: [alice, bob], allowAuthor: false }',
);

const operationTimeout = duration(1, MAX_OPERATION_TIMEOUT_MS);

const httpOperation = hint(
  z.strictObject({
    url: httpUrl('an absolute http(s) URL, e.g. http://127.0.0.1:8080/cache/warm', 'invalid URL'),
    method: method.optional(),
    headers: headerMap.optional(),
    body: body.optional(),
    expectStatus: hint(
      z.array(hint(z.int().min(100).max(599), 'an HTTP status code from 100 to 599', 'invalid status code')).min(1).max(100),
      `a list of 1 to 100 status codes that mean success (default ${DEFAULT_EXPECT_STATUS.join(', ')})`,
      'wrong number of status codes',
    ).optional(),
    timeout: operationTimeout.optional(),
  }),
  'a map with url and optional method (default GET), headers, body, expectStatus and timeout',
);

function timeoutOnlyWithCommand(value: { readonly command?: string | undefined; readonly timeout?: string | undefined }, ctx: z.RefinementCtx): void {
  if (value.timeout === undefined || value.command !== undefined) return;
  const message = 'timeout applies only to a command operation';
  const expected = 'timeout beside command; an http operation takes its timeout inside http, an instruction has none';
  ctx.addIssue({ code: 'custom', path: ['timeout'], message, params: { message, expected } });
}

const operation = hint(
  z
    .strictObject({
      command: hint(z.string().trim().min(1).max(4096), 'a command line run without a shell, e.g. "./warm.sh --all"', 'invalid command').optional(),
      timeout: operationTimeout.optional(),
      http: httpOperation.optional(),
      instruction: hint(z.string().trim().min(1).max(4096), 'what a person must do, 1 to 4096 characters', 'invalid instruction').optional(),
    })
    .superRefine(exactlyOneKey(OPERATION_KINDS, 'an operation'))
    .superRefine(timeoutOnlyWithCommand)
    .meta({ minProperties: 1, maxProperties: 2 }),
  'a map with exactly one of command (with an optional timeout), http or instruction',
);

const verification = hint(
  // Verifications poll for a short while, so they may poll faster than a template's metrics (≥ 1s).
  z.strictObject({ ...checkFields, interval: duration(MIN_VERIFICATION_INTERVAL_MS).optional(), within: duration(1000).optional() }).superRefine(queryForJudge),
  'a map with provider, judge and optional query, window, timeout, retries, interval (default 5s) and within (default 60s)',
);

type RawItemShape = { readonly operation?: unknown; readonly verification?: unknown; readonly rollbackVerification?: unknown };

function itemShape(value: RawItemShape, ctx: z.RefinementCtx): void {
  if (value.operation === undefined && value.verification === undefined) {
    const message = 'a checklist item needs an operation, a verification or both';
    ctx.addIssue({ code: 'custom', message, params: { message, found: 'neither', expected: 'operation and/or verification' } });
  }
  if (value.rollbackVerification !== undefined && value.operation === undefined) {
    const message = 'rollbackVerification runs only for an item whose operation ran, and this item has no operation';
    ctx.addIssue({ code: 'custom', path: ['rollbackVerification'], message, params: { message, expected: 'an operation on the item, or no rollbackVerification' } });
  }
}

const checklistItem = hint(
  z
    .strictObject({
      name: hint(name, `an item name, unique in the checklist (${DNS_LABEL})`, 'invalid item name'),
      operation: operation.optional(),
      verification: verification.optional(),
      rollbackVerification: verification.optional(),
    })
    .superRefine(itemShape),
  'a map with name, operation and/or verification, and an optional rollbackVerification',
);

const checklist = hint(
  z.strictObject({
    items: hint(
      z.array(checklistItem).min(1).max(MAX_CHECKLIST_ITEMS),
      `a list of 1 to ${MAX_CHECKLIST_ITEMS} items, done in order`,
      'wrong number of items',
    ),
  }),
  'a map with items',
);

const stopWhen = hint(
  z.string().superRefine((text, ctx) => {
    const checked = checkCondition(text, false);
    if ('problem' in checked) {
      const { message, found, expected } = checked.problem;
      ctx.addIssue({ code: 'custom', message, params: { message, found, expected } });
      return;
    }
    const allowed: readonly string[] = LOAD_STOP_VARIABLES;
    for (const unknown of checked.parsed.names.filter((n) => !allowed.includes(n))) {
      const message = `stopWhen uses unknown variable "${unknown}"`;
      ctx.addIssue({ code: 'custom', message, params: { message, found: `"${unknown}"`, expected: `one of: ${LOAD_STOP_VARIABLES.join(', ')}` } });
    }
  }),
  `a condition over ${LOAD_STOP_VARIABLES.join(', ')}, e.g. "errorRate > 0.05 || p99Ms > 500"`,
  'invalid condition',
);

const loadRequest = hint(
  z.strictObject({
    method: method.optional(),
    path: hint(z.string().max(2048).regex(/^\/\S*$/), 'an origin-form path with optional query, e.g. /checkout?item=1', 'invalid path'),
    headers: headerMap.optional(),
    body: body.optional(),
    weight: hint(z.number().gt(0).max(1000), 'a number above 0, at most 1000 (default 1): its share of the mix', 'weight out of range').optional(),
  }),
  'a map with path and optional method (default GET), headers, body and weight',
);

const load = hint(
  z.strictObject({
    rps: hint(z.number().gt(0).max(LOAD_LIMITS.maxRps), `requests per second, above 0 and at most ${LOAD_LIMITS.maxRps}`, 'rps out of range'),
    duration: duration(1000, LOAD_LIMITS.maxDurationMs),
    requests: hint(
      z.array(loadRequest).min(1).max(LOAD_LIMITS.maxRequests),
      `a list of 1 to ${LOAD_LIMITS.maxRequests} requests (default: GET /)`,
      'wrong number of requests',
    ).optional(),
    stopWhen: stopWhen.optional(),
    timeout: duration(1, MAX_LOAD_TIMEOUT_MS).optional(),
    maxInFlight: hint(
      z.int().min(1).max(LOAD_LIMITS.maxInFlight),
      `an integer from 1 to ${LOAD_LIMITS.maxInFlight} (default ${DEFAULT_LOAD_MAX_IN_FLIGHT}): requests in flight at most`,
      'maxInFlight out of range',
    ).optional(),
  }),
  'a map with rps, duration and optional requests, stopWhen, timeout and maxInFlight',
);

/** The verification steps, spread into the step schema beside the traffic steps. */
export const verificationStepFields = {
  analysis: analysis.optional(),
  approval: approval.optional(),
  checklist: checklist.optional(),
  load: load.optional(),
};
