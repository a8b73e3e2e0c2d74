import { redactUrl } from '../platform/redact.js';
import { sqlStateOf } from './schema-migrator.js';

/** A database failure as people read it: the message and SQLSTATE, credentials masked, bounded in length. */
export function failureText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const state = sqlStateOf(error);
  const text = redactUrl(`${message}${state === undefined ? '' : ` (SQLSTATE ${state})`}`);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
