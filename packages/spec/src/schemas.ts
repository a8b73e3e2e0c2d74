import { z } from 'zod';
import { routes, segmentSpec, setHeaderRoute, setMirror, setSegmentRoute } from './routing-schemas.js';
import { proxySettings, serviceHosts } from './proxy-schemas.js';
import { templateSpec } from './analysis-schemas.js';
import { adaptiveStep, exposureBudget, guard } from './guard-schemas.js';
import { backgroundAnalysis, VERIFICATION_STEP_KINDS, verificationStepFields } from './verification-schemas.js';
import { rollingStrategySchema, rollingUpdate, rollingUpdateFitsReplicas } from './rolling-update-schemas.js';
import { blueGreen } from './blue-green-schemas.js';
import { targetSpec, waves } from './waves-schemas.js';
import { experimentSpec } from './experiment-schemas.js';
import { flagSpec, setFlagStep } from './flag-schemas.js';
import { contractStep, migration } from './migration-schemas.js';
import { webhookSpec } from './webhook-schemas.js';
import { DNS_LABEL, duration, exactlyOneKey, hint, HTTP_URL_PATTERN, name, portInRange, TOKEN_PATTERN, versionName, VERSION_NAME_EXPECTED, VERSION_NAME_PATTERN, weight } from './schema-hints.js';

export { hints, NAME_PATTERN, VERSION_NAME_EXPECTED, VERSION_NAME_PATTERN } from './schema-hints.js';
export type { Hint } from './schema-hints.js';

/**
 * Zod schemas of the documents as written (durations as text, defaults not applied); to-domain.ts turns
 * a valid document into the domain types. Hints and shared parts are in schema-hints.ts; conditions,
 * routes and routing steps in routing-schemas.ts; AnalysisTemplate specs in analysis-schemas.ts (judges
 * in judge-schemas.ts); analysis, approval, checklist and load steps in verification-schemas.ts; the
 * guard, the exposure budget and adaptive steps in guard-schemas.ts; the blueGreen strategy in
 * blue-green-schemas.ts.
 */

export const API_VERSION = 'sluice.dev/v1';
export const RESOURCE_KINDS = ['Service', 'Rollout', 'Segment', 'AnalysisTemplate', 'Experiment', 'Target', 'Flag', 'Webhook'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
/** host:port; the host is a name, an IPv4 address or a bracketed IPv6 address. */
export const LISTEN_PATTERN = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A container image reference: [registry[:port]/]path[:tag][@sha256:digest], as the distribution spec's grammar allows. */
const IMAGE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]*(:\d{1,5})?(\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/** A run is started by one runtime or another: the process runtime needs a command, Kubernetes an image (or the source Deployment's). */
function commandOrImage(run: { command?: unknown; image?: unknown }, ctx: z.RefinementCtx): void {
  if (run.command !== undefined || run.image !== undefined) return;
  const message = 'a run needs a command (for local processes) or an image (for Kubernetes)';
  ctx.addIssue({ code: 'custom', path: [], message, params: { message, found: 'neither command nor image', expected: 'command: "node app.js", image: ghcr.io/acme/shop:1.4.0, or both (each runtime uses its own)' } });
}

const readiness = hint(
  z.strictObject({
    path: hint(z.string().regex(/^\//).max(2048), 'a URL path starting with "/"', 'invalid readiness path').optional(),
    interval: duration(1).optional(),
    timeout: duration(1).optional(),
  }),
  'a map with optional path, interval and timeout',
);

const run = hint(
  z.strictObject({
    command: hint(z.string().trim().min(1).max(4096), 'a shell command, e.g. "node app.js"', 'invalid command').optional(),
    image: hint(z.string().max(512).regex(IMAGE_PATTERN), 'a container image reference, e.g. ghcr.io/acme/shop:1.4.0', 'invalid image').optional(),
    env: hint(
      z.record(
        hint(z.string().regex(ENV_NAME_PATTERN), 'an environment variable name (letters, digits, "_")', 'invalid environment variable name'),
        hint(z.string(), 'a string (quote numbers and booleans, e.g. "8080")'),
      ),
      'a map of environment variable names to string values',
    ).optional(),
    replicas: hint(z.int().min(1).max(32), 'an integer from 1 to 32', 'replicas out of range').optional(),
    readiness: readiness.optional(),
    gracePeriod: duration(0).optional(),
    cwd: hint(z.string().min(1).max(4096), 'a directory path', 'invalid cwd').optional(),
    rollingUpdate: rollingUpdate.optional(),
  })
    .superRefine(commandOrImage)
    .superRefine(rollingUpdateFitsReplicas),
  'a map with a command (local processes) and/or an image (Kubernetes), and optional env, replicas, readiness, gracePeriod, cwd and rollingUpdate',
);

const upstreams = hint(
  z
    .array(
      hint(
        z.string().regex(HTTP_URL_PATTERN).refine(portInRange(HTTP_URL_PATTERN, 3)),
        'an absolute http(s) URL, e.g. http://127.0.0.1:9102',
        'invalid upstream URL',
      ),
    )
    .min(1)
    .max(64),
  'a list of 1 to 64 absolute http(s) URLs',
  'wrong number of upstreams',
);

export const VERSION_SOURCES = ['run', 'upstreams'] as const;
const version = hint(
  z
    .strictObject({ run: run.optional(), upstreams: upstreams.optional() })
    .superRefine(exactlyOneKey(VERSION_SOURCES, 'a version'))
    .meta({ minProperties: 1, maxProperties: 1 }),
  'a map with exactly one of run or upstreams',
);

const serviceSpec = z.strictObject({
  listen: hint(
    z.string().regex(LISTEN_PATTERN).refine(portInRange(LISTEN_PATTERN, 2)),
    'host:port with a port from 0 to 65535, e.g. 127.0.0.1:8080',
    'invalid listen address',
  ),
  hosts: serviceHosts.optional(),
  stickiness: hint(
    z.strictObject({
      header: hint(z.string().max(256).regex(TOKEN_PATTERN), 'an HTTP header name, e.g. x-user-id', 'invalid header name').optional(),
      cookie: hint(z.string().max(256).regex(TOKEN_PATTERN), 'a cookie name, e.g. sluice-shop', 'invalid cookie name').optional(),
    }),
    'a map with optional header and cookie',
  ).optional(),
  versions: hint(
    // Version names are checked by check-consistency.ts: a bad key here would hide the problems in its value.
    z
      .record(z.string(), version)
      .refine((v) => Object.keys(v).length > 0)
      .meta({ minProperties: 1, propertyNames: { type: 'string', maxLength: 63, pattern: VERSION_NAME_PATTERN.source, description: VERSION_NAME_EXPECTED } }),
    'a map of version names to versions, with at least one version',
    'no versions',
  ),
  stable: hint(z.string(), 'the name of one of the versions'),
  routes: routes.optional(),
  proxy: proxySettings.optional(),
  rollbackWindow: duration(1000).optional(),
});

export const STEP_KINDS = ['setWeight', 'pause', 'setHeaderRoute', 'setSegmentRoute', 'setMirror', 'setFlag', ...VERIFICATION_STEP_KINDS, 'adaptive', 'pointOfNoReturn', 'contract'] as const;
const pointOfNoReturn = hint(
  z.strictObject({ reason: hint(z.string().trim().min(1).max(1000), 'why what follows cannot be undone, e.g. "contract: drop column orders.legacy_id"', 'invalid reason') }),
  'a map with reason',
);
const step = hint(
  z
    .strictObject({
      setWeight: weight.optional(),
      pause: hint(z.strictObject({ duration: duration(0).optional() }), 'a map with an optional duration, e.g. {} or { duration: 30s }').optional(),
      setHeaderRoute: setHeaderRoute.optional(),
      setSegmentRoute: setSegmentRoute.optional(),
      setMirror: setMirror.optional(),
      setFlag: setFlagStep.optional(),
      ...verificationStepFields,
      adaptive: adaptiveStep.optional(),
      pointOfNoReturn: pointOfNoReturn.optional(),
      contract: contractStep.optional(),
    })
    .superRefine(exactlyOneKey(STEP_KINDS, 'a step'))
    .meta({ minProperties: 1, maxProperties: 1 }),
  `a map with exactly one of ${STEP_KINDS.join(', ')}`,
);

export const STRATEGY_KINDS = ['canary', 'blueGreen', 'waves', 'rolling'] as const;

const rolloutSpec = z.strictObject({
  service: hint(name, `the name of a Service (${DNS_LABEL})`, 'invalid service name'),
  target: hint(versionName, 'the name of a version of the service', 'invalid version name'),
  strategy: hint(
    z
      .strictObject({
        canary: hint(
          z.strictObject({
            steps: hint(z.array(step).min(1).max(100), 'a list of 1 to 100 steps', 'wrong number of steps'),
            analysis: backgroundAnalysis.optional(),
          }),
          'a map with steps and an optional background analysis',
        ).optional(),
        blueGreen: blueGreen.optional(),
        waves: waves.optional(),
        rolling: rollingStrategySchema.optional(),
      })
      .superRefine(exactlyOneKey(STRATEGY_KINDS, 'a strategy'))
      .meta({ minProperties: 1, maxProperties: 1 }),
    'a map with exactly one of canary, blueGreen, waves or rolling',
  ),
  progressDeadline: duration(1000).optional(),
  guard: guard.optional(),
  exposureBudget: exposureBudget.optional(),
  migration: migration.optional(),
});

const apiVersion = hint(z.literal(API_VERSION), `"${API_VERSION}"`, 'unsupported apiVersion');
const metadata = z.strictObject({ name });

export const serviceDocument = z.strictObject({
  apiVersion,
  kind: hint(z.literal('Service'), '"Service"'),
  metadata,
  spec: hint(serviceSpec, 'a map with listen, versions, stable and optional hosts, stickiness, routes, proxy and rollbackWindow'),
});

export const rolloutDocument = z.strictObject({
  apiVersion,
  kind: hint(z.literal('Rollout'), '"Rollout"'),
  metadata,
  spec: hint(rolloutSpec, 'a map with service, target, strategy and optional progressDeadline, guard, exposureBudget and migration'),
});

export const segmentDocument = z.strictObject({
  apiVersion,
  kind: hint(z.literal('Segment'), '"Segment"'),
  metadata,
  spec: segmentSpec,
});

export const analysisTemplateDocument = z.strictObject({
  apiVersion,
  kind: hint(z.literal('AnalysisTemplate'), '"AnalysisTemplate"'),
  metadata,
  spec: templateSpec,
});

/** An A/B experiment; its schema is in experiment-schemas.ts. */
export const experimentDocument = z.strictObject({
  apiVersion,
  kind: hint(z.literal('Experiment'), '"Experiment"'),
  metadata,
  spec: hint(experimentSpec, 'a map with variants, control, primary and optional service, guardrails, minSamplesPerVariant, alpha and power'),
});

/** A data plane (and runtime) in a region, cluster or zone that waves select by label; its schema is in waves-schemas.ts. */
export const targetDocument = z.strictObject({
  apiVersion,
  kind: hint(z.literal('Target'), '"Target"'),
  metadata,
  spec: targetSpec,
});

/** A feature flag with its settings per environment; its schema is in flag-schemas.ts. */
export const flagDocument = z.strictObject({
  apiVersion,
  kind: hint(z.literal('Flag'), '"Flag"'),
  metadata,
  spec: hint(flagSpec, 'a map with optional kind, type, description, owner, variants, prerequisites and environments'),
});

/** Where rollout events are POSTed; its schema is in webhook-schemas.ts. */
export const webhookDocument = z.strictObject({
  apiVersion,
  kind: hint(z.literal('Webhook'), '"Webhook"'),
  metadata,
  spec: hint(webhookSpec, 'a map with url, events, secretFrom and optional services, format, timeout and maxAttempts'),
});

/** Only the apiVersion, for documents whose kind is unknown: their other fields cannot be checked. */
export const documentHeader = z.looseObject({ apiVersion });

export const resourceDocument = z.discriminatedUnion('kind', [serviceDocument, rolloutDocument, segmentDocument, analysisTemplateDocument, experimentDocument, targetDocument, flagDocument, webhookDocument]);

export type ServiceDocument = z.output<typeof serviceDocument>;
export type RolloutDocument = z.output<typeof rolloutDocument>;
/** A canary strategy as written, and one of its steps. */
export type RawCanary = NonNullable<RolloutDocument['spec']['strategy']['canary']>;
export type RawCanaryStep = RawCanary['steps'][number];
export type SegmentDocument = z.output<typeof segmentDocument>;
export type AnalysisTemplateDocument = z.output<typeof analysisTemplateDocument>;
export type ExperimentDocument = z.output<typeof experimentDocument>;
export type TargetDocument = z.output<typeof targetDocument>;

export type FlagDocument = z.output<typeof flagDocument>;
export type WebhookDocument = z.output<typeof webhookDocument>;
