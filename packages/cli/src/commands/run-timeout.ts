import { InvalidArgumentError } from 'commander';
import { parseDuration } from '@sluice/domain';

/** How long `rollout run --wait` waits when `--timeout` is not given. */
export const DEFAULT_RUN_TIMEOUT_MS = 30 * 60_000;
/** The longest `--timeout`: a CI job should not hold a runner longer than a day. */
export const MAX_RUN_TIMEOUT_MS = 24 * 3_600_000;

/**
 * Parses `--timeout`: a duration such as `90s`, `30m`, `2h` or `1h30m`, more than 0 and at most 24h.
 * Throws commander's InvalidArgumentError (a usage error, exit 2) saying what is expected.
 */
export function parseRunTimeout(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new InvalidArgumentError(`"${text}" is not a duration: expected a number with a unit, like 90s, 30m or 2h (at most 24h)`);
  }
  if (ms < 1000) throw new InvalidArgumentError(`${text} is too short: expected at least 1s (like 90s, 30m or 2h)`);
  if (ms > MAX_RUN_TIMEOUT_MS) throw new InvalidArgumentError(`${text} is too long: expected at most 24h`);
  return ms;
}

