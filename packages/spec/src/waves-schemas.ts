import { z } from 'zod';
import { duration, exactlyOneKey, hint, name, portInRange, weight } from './schema-hints.js';
import { analysis, approval } from './verification-schemas.js';

/**
 * `kind: Target` and `spec.strategy.waves` as written in YAML. waves-to-domain.ts turns them into the
 * domain's Target and waves strategy; waves-references.ts checks selectors against the Targets.
 */

/** host:port; the host is a name, an IPv4 address or a bracketed IPv6 address (as a Service's listen). */
const LISTEN = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
/** Kubernetes-style label keys and values: letters, digits, "-", "_", "." (keys also "/"), at most 63 characters. */
const LABEL_KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_KEY_EXPECTED = 'a label key of letters, digits, "-", "_", "." and "/", starting and ending with a letter or digit, at most 63 characters';
const LABEL_VALUE_EXPECTED = 'a label value of letters, digits, "-", "_" and ".", starting and ending with a letter or digit, at most 63 characters (a number is turned into text)';

export const MAX_WAVES = 20;
export const MAX_WAVE_STEPS = 20;
const MAX_LABELS = 32;

const labelValue = hint(
  z.union([z.string().max(63).regex(LABEL_VALUE), z.number().int().nonnegative()]),
  LABEL_VALUE_EXPECTED,
  'invalid label value',
);

const labels = (what: string) =>
  hint(
    z
      .record(hint(z.string().max(63).regex(LABEL_KEY), LABEL_KEY_EXPECTED, 'invalid label key'), labelValue)
      .refine((v) => Object.keys(v).length <= MAX_LABELS, { params: { message: `at most ${MAX_LABELS} labels` } })
      .meta({ maxProperties: MAX_LABELS }),
    `a map of up to ${MAX_LABELS} label keys to values, ${what}`,
  );

const serviceListener = hint(
  z.strictObject({
    listen: hint(
      z.string().regex(LISTEN).refine(portInRange(LISTEN, 2)),
      "host:port with a port from 0 to 65535, e.g. 127.0.0.1:8081: this target's own listener for the service",
      'invalid listen address',
    ),
  }),
  'a map with listen, e.g. { listen: 127.0.0.1:8081 }',
);

const builtinDataPlane = hint(
  z.strictObject({
    services: hint(
      z
        .record(hint(name, 'the name of a Service', 'invalid service name'), serviceListener)
        .refine((v) => Object.keys(v).length > 0, { params: { message: 'no services' } })
        .meta({ minProperties: 1 }),
      'a map of service names to { listen: host:port }, with at least one service',
      'no services',
    ),
  }),
  'a map with services: the built-in proxy of this target, one listener per service it serves',
);

export const TARGET_DATA_PLANES = ['builtin'] as const;

/** `kind: Target` spec. */
export const targetSpec = hint(
  z.strictObject({
    labels: labels('e.g. { region: eu, cluster: "1" }: what waves select the target by').optional(),
    dataPlane: hint(
      z.strictObject({ builtin: builtinDataPlane.optional() }).superRefine(exactlyOneKey(TARGET_DATA_PLANES, 'a dataPlane')).meta({ minProperties: 1, maxProperties: 1 }),
      'a map with exactly one of builtin (later: nginx, haproxy, kubernetes)',
    ),
  }),
  'a map with dataPlane and optional labels',
);

const PAUSE_NEEDS_DURATION = "a target's pause needs a duration: to wait for a person, use the wave's gate ({ approval: {} })";

const targetStep = hint(
  z
    .strictObject({
      setWeight: weight.optional(),
      pause: hint(z.strictObject({ duration: duration(0).optional() }), 'a map with a duration, e.g. { duration: 30s }').optional(),
    })
    .superRefine(exactlyOneKey(['setWeight', 'pause'], "a wave's step"))
    .superRefine((value, ctx) => {
      if (value.pause === undefined || value.pause.duration !== undefined) return;
      ctx.addIssue({ code: 'custom', path: ['pause'], message: PAUSE_NEEDS_DURATION, params: { message: PAUSE_NEEDS_DURATION, expected: 'pause: { duration: 30s }' } });
    })
    .meta({ minProperties: 1, maxProperties: 1 }),
  'a map with exactly one of setWeight or pause (with a duration)',
);

export const WAVE_GATE_KINDS = ['approval', 'analysis'] as const;
const gate = hint(
  z.strictObject({ approval: approval.optional(), analysis: analysis.optional() }).superRefine(exactlyOneKey(WAVE_GATE_KINDS, 'a gate')).meta({ minProperties: 1, maxProperties: 1 }),
  'a map with exactly one of approval or analysis, e.g. { approval: {} } or { analysis: { templates: [health], duration: 1m } }',
);

const ENDS_AT_100 = "a wave's steps must end with setWeight: 100, so that its targets serve the new version in full before the next wave";

function stepsOrSwitch(value: { readonly steps?: readonly { readonly setWeight?: number | undefined }[] | undefined; readonly switch?: boolean | undefined }, ctx: z.RefinementCtx): void {
  exactlyOneKey(['steps', 'switch'], 'a wave')(value, ctx);
  if (value.steps === undefined || value.steps.length === 0) return;
  const last = [...value.steps].reverse().find((s) => s.setWeight !== undefined);
  if (last?.setWeight === 100) return;
  ctx.addIssue({ code: 'custom', path: ['steps'], message: ENDS_AT_100, params: { message: ENDS_AT_100, expected: 'a last setWeight of 100' } });
}

const wave = hint(
  z
    .strictObject({
      name: hint(name, 'a wave name, e.g. eu-canary', 'invalid wave name'),
      selector: hint(z.strictObject({ matchLabels: labels('all of which a target must have ({} selects every target)') }), 'a map with matchLabels, e.g. { matchLabels: { region: eu } }'),
      steps: hint(z.array(targetStep).min(1).max(MAX_WAVE_STEPS), `a list of 1 to ${MAX_WAVE_STEPS} steps each target of the wave runs`, 'wrong number of steps').optional(),
      switch: hint(z.literal(true), 'true: each target of the wave switches to 100 % at once', 'switch must be true (or use steps)').optional(),
      maxConcurrent: hint(z.int().min(1).max(1000), 'an integer from 1 to 1000: targets of the wave running their steps at once (default: all)', 'maxConcurrent out of range').optional(),
      bakeTime: hint(duration(0), 'a duration like 10m: how long to watch the wave once its targets are done, before the gate', 'invalid duration').optional(),
      gate: gate.optional(),
    })
    .superRefine(stepsOrSwitch),
  'a map with name, selector, steps or switch, and optional maxConcurrent, bakeTime and gate',
);

function uniqueWaveNames(value: { readonly waves: readonly { readonly name: string }[] }, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  value.waves.forEach((w, i) => {
    if (!seen.has(w.name)) return void seen.add(w.name);
    const message = `wave name "${w.name}" is used twice`;
    ctx.addIssue({ code: 'custom', path: ['waves', i, 'name'], message, params: { message, expected: 'a name used by one wave only' } });
  });
}

/** `spec.strategy.waves`. */
export const waves = hint(
  z
    .strictObject({ waves: hint(z.array(wave).min(1).max(MAX_WAVES), `a list of 1 to ${MAX_WAVES} waves, run in order`, 'wrong number of waves') })
    .superRefine(uniqueWaveNames),
  'a map with waves: the ordered waves, each selecting targets by label',
);
