import { DEFAULT_SCALE_DOWN_DELAY_MS, formatDuration } from '@sluice/domain';
import { z } from 'zod';
import { duration, exactlyOneKey, hint, TOKEN_PATTERN } from './schema-hints.js';
import { analysis } from './verification-schemas.js';

/**
 * `spec.strategy.blueGreen` as written in YAML (Argo Rollouts' blueGreen, with Sluice's preview
 * route instead of a preview Service). blue-green-to-domain.ts turns it into the domain's spec and
 * the steps it expands to.
 */

export const PREVIEW_ROUTE_KINDS = ['header', 'cookie'] as const;
const oneOfHeaderOrCookie = exactlyOneKey(PREVIEW_ROUTE_KINDS, 'a previewRoute');

const MAX_PREVIEW_VALUE = 1024;

/** `1` and `"1"` alike: a number is turned into text. */
const previewValue = hint(
  z.union([z.string().min(1).max(MAX_PREVIEW_VALUE), z.number()]),
  `the exact value that selects the preview, 1 to ${MAX_PREVIEW_VALUE} characters (a number is turned into text)`,
  'invalid preview value',
);

const previewMatch = (what: string, example: string, invalidName: string) =>
  hint(
    z.strictObject({ name: hint(z.string().max(256).regex(TOKEN_PATTERN), `a ${what} name, e.g. ${example}`, invalidName), value: previewValue }),
    `a map with name and value: requests whose ${what} has exactly this value reach green before the switch, e.g. { name: ${example}, value: "1" }`,
  );

const LISTEN_REFUSED = 'a separate preview listener is not supported: the built-in data plane serves one listen address per service';
const LISTEN_INSTEAD = 'header or cookie instead, e.g. previewRoute: { header: { name: x-preview, value: "1" } }';

/** Recognised so the refusal says why; never valid (`not: {}` in the JSON Schema). */
const previewListen = hint(
  z
    .unknown()
    .superRefine((_value, ctx) => ctx.addIssue({ code: 'custom', message: LISTEN_REFUSED, params: { message: LISTEN_REFUSED, expected: LISTEN_INSTEAD } }))
    .meta({ not: {} }),
  `not supported: ${LISTEN_INSTEAD}`,
);

const previewRoute = hint(
  z
    .strictObject({
      header: previewMatch('header', 'x-preview', 'invalid header name').optional(),
      cookie: previewMatch('cookie', 'preview', 'invalid cookie name').optional(),
      listen: previewListen.optional(),
    })
    // With listen, its refusal is the one problem to report.
    .superRefine((value, ctx) => (value.listen === undefined ? oneOfHeaderOrCookie(value, ctx) : undefined))
    .meta({ minProperties: 1, maxProperties: 1 }),
  'a map with exactly one of header or cookie, e.g. { header: { name: x-preview, value: "1" } }',
);

function delayNeedsAutoPromote(value: { readonly autoPromote?: boolean | undefined; readonly autoPromotionDelay?: string | undefined }, ctx: z.RefinementCtx): void {
  if (value.autoPromote !== false || value.autoPromotionDelay === undefined) return;
  const message = 'autoPromotionDelay applies only when autoPromote is true: with autoPromote false the switch waits for `sluice promote`';
  ctx.addIssue({ code: 'custom', path: ['autoPromotionDelay'], message, params: { message, expected: 'no autoPromotionDelay, or autoPromote: true' } });
}

/** `spec.strategy.blueGreen`. Every field is optional: `blueGreen: {}` switches at once, without analysis. */
export const blueGreen = hint(
  z
    .strictObject({
      previewRoute: previewRoute.optional(),
      prePromotionAnalysis: analysis.optional(),
      autoPromote: hint(z.boolean(), 'true (the default) to switch once the steps before it pass; false to wait for `sluice promote`', 'autoPromote must be true or false').optional(),
      autoPromotionDelay: hint(duration(1000), 'a duration like 30s or 5m, at least 1s: how long to wait before switching', 'invalid duration').optional(),
      postPromotionAnalysis: analysis.optional(),
      scaleDownDelay: hint(
        duration(0),
        `a duration like 30s or 10m (default ${formatDuration(DEFAULT_SCALE_DOWN_DELAY_MS)}): how long blue keeps running after the switch, for an instant undo`,
        'invalid duration',
      ).optional(),
    })
    .superRefine(delayNeedsAutoPromote),
  'a map with optional previewRoute, prePromotionAnalysis, autoPromote, autoPromotionDelay, postPromotionAnalysis and scaleDownDelay',
);
