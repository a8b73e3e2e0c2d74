import { formatDuration, isValidWeight, MAX_DURATION_MS, parseDuration } from '@sluice/domain';
import { z } from 'zod';

/**
 * Building blocks shared by every resource schema. Every leaf carries a hint: `expected` says what
 * a valid value looks like (it is also the JSON Schema description editors show) and `invalid`
 * names the problem.
 */
export interface Hint {
  /** What a valid value looks like, e.g. "a duration like 500ms, 30s, 5m, 1h". */
  readonly expected: string;
  /** The problem message when the value has the right type but is not valid, e.g. "invalid duration". */
  readonly invalid?: string;
}

export const hints = z.registry<Hint>();

export function hint<T extends z.ZodType>(schema: T, expected: string, invalid?: string): T {
  const described = schema.describe(expected);
  hints.add(described, invalid === undefined ? { expected } : { expected, invalid });
  return described;
}

export const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const VERSION_NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** An HTTP token (RFC 9110), which is also what a cookie name must be. */
export const TOKEN_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An absolute http(s) URL; group 3 is the port, if any. */
export const HTTP_URL_PATTERN = /^https?:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:(\d{1,5}))?([/?#]\S*)?$/;

/** Whether the port that `pattern` captures in `group` (if any) is at most 65535. */
export const portInRange = (pattern: RegExp, group: number) => (text: string) => {
  const port = pattern.exec(text)?.[group];
  return port === undefined || Number(port) <= 65535;
};

export const DNS_LABEL = 'a name of lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters';

export const name = hint(z.string().max(63).regex(NAME_PATTERN), DNS_LABEL, 'invalid name');
export const VERSION_NAME_EXPECTED =
  'a version name of lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 63 characters';
export const versionName = hint(z.string().max(63).regex(VERSION_NAME_PATTERN), VERSION_NAME_EXPECTED, 'invalid version name');

/** A percentage of traffic (weight) or of requests (mirror): 0..100 in steps of 0.01. */
export function percent(invalid: string) {
  return hint(
    z
      .number()
      .min(0)
      .max(100)
      // Out-of-range values already fail min/max; this adds only the 0.01 resolution rule.
      .refine((w) => w < 0 || w > 100 || isValidWeight(w), { params: { message: `${invalid.split(' ')[0]} is finer than 0.01` } })
      .meta({ multipleOf: 0.01 }),
    'a number from 0 to 100 in steps of 0.01',
    invalid,
  );
}

export const weight = percent('weight out of range');

/** A map with several optional keys of which exactly one must be given (a step, a version source). */
export function exactlyOneKey(keys: readonly string[], what: string) {
  return (value: object, ctx: z.RefinementCtx) => {
    const given = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (given.length === 1) return;
    const message = `${what} must have exactly one of ${keys.join(', ')}`;
    ctx.addIssue({
      code: 'custom',
      message,
      params: {
        message,
        found: given.length === 0 ? 'none of them' : given.join(' and '),
        expected: `exactly one of ${keys.join(', ')}`,
      },
    });
  };
}

const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

/** A duration as text ("500ms", "30s", "1h30m") of at least `minMs` and at most `maxMs` milliseconds. */
export function duration(minMs: number, maxMs = MAX_DURATION_MS): z.ZodString {
  const least = minMs > 1 ? `, at least ${formatDuration(minMs)}` : minMs > 0 ? ', more than 0' : '';
  const expected = `a duration like 500ms, 30s, 5m, 1h${least}, at most ${formatDuration(maxMs)}`;
  const valid = (text: string) => {
    const ms = parseDuration(text);
    return ms !== undefined && ms >= minMs && ms <= maxMs;
  };
  return hint(z.string().regex(DURATION_PATTERN).refine(valid), expected, 'invalid duration');
}
