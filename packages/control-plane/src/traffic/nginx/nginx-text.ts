import { ErrorCode, SluiceError, murmur3 } from '@sluice/domain';

/**
 * Text helpers for writing nginx configuration safely. nginx has no escape for `$` in values that
 * interpolate variables, so literals that reach such values must not contain one; everything a
 * request can send (header values, cookies, query strings) is only ever compared through regexes.
 */

/** Refuses, as UNSUPPORTED_CAPABILITY, something nginx configuration cannot carry. */
export function nginxCannot(service: string, what: string): never {
  throw new SluiceError(ErrorCode.UNSUPPORTED_CAPABILITY, `nginx data plane cannot serve "${service}": ${what}`, {
    details: { service, dataPlane: 'nginx' },
  });
}

/** A double-quoted nginx string whose content nginx reads back exactly as `text` (no variables in it). */
export function quoted(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const SAFE_LITERAL = /^[A-Za-z0-9._:@/+=,-]+$/;

/**
 * A literal put where nginx interpolates variables (map values, add_header, log_format):
 * names of versions, rules, cookies and services. Refused unless made of plain characters.
 */
export function literal(service: string, field: string, text: string): string {
  if (!SAFE_LITERAL.test(text)) nginxCannot(service, `${field} ${JSON.stringify(text)} has characters nginx cannot carry in a value (allowed: A-Z a-z 0-9 . _ : @ / + = , -)`);
  return text;
}

/** A PCRE pattern matching `text` literally. */
export function regexLiteral(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}/-]/g, (c) => `\\${c}`);
}

/** A short identifier usable in variable and upstream names, unique per input. */
export function identifier(text: string): string {
  const plain = text.replace(/[^A-Za-z0-9]/g, '_').slice(0, 40);
  return `${plain}_${murmur3(text).toString(16).padStart(8, '0')}`;
}

/** The nginx variable of a request header: lower-case name with "-" as "_". Refuses names nginx cannot name. */
export function headerVariable(service: string, name: string): string {
  if (!/^[a-z0-9-]+$/.test(name)) nginxCannot(service, `header name ${JSON.stringify(name)}: nginx names headers by [a-z0-9-] only (underscores are dropped by default)`);
  return `$http_${name.replace(/-/g, '_')}`;
}

/** A regex matching a decimal integer strictly greater than `limit` (no leading zeros). */
export function greaterThanRegex(limit: number): string {
  const digits = String(limit);
  const parts = [`[1-9][0-9]{${digits.length},}`];
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits[i]);
    if (d === 9) continue;
    const rest = digits.length - i - 1;
    const first = i === 0 ? Math.max(d + 1, 1) : d + 1;
    parts.push(`${digits.slice(0, i)}[${first}-9]${rest > 0 ? `[0-9]{${rest}}` : ''}`);
  }
  return `^(?:${parts.join('|')})$`;
}
