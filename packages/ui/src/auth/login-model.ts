import type { ApiError } from '../api/api-error';

/** What the login page says when signing in failed: what was wrong and what to do. */
export interface LoginFailure {
  readonly message: string;
  /** Seconds to wait before the next try (429), if the server said. */
  readonly waitSeconds?: number;
}

/** The wait the client read from Retry-After (api/client.ts puts it in details). */
export function retryAfterOf(error: ApiError): number | undefined {
  const wait = error.details['retryAfterSeconds'] ?? error.details['retryAfter'];
  return typeof wait === 'number' && Number.isFinite(wait) && wait >= 0 ? Math.ceil(wait) : undefined;
}

/** "45 seconds", "1 minute", "3 minutes 20 seconds". */
export function waitText(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (s < 60) return unit(s, 'second');
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? unit(m, 'minute') : `${unit(m, 'minute')} ${unit(s % 60, 'second')}`;
}

/** Checks the field before anything is sent. */
export function tokenProblem(token: string): string | undefined {
  return token.trim() === '' ? 'Enter your API token (it starts with sluice_).' : undefined;
}

/** The message for a failed POST /api/v1/session. */
export function loginFailure(error: ApiError): LoginFailure {
  if (error.status === 401 || error.code === 'UNAUTHENTICATED') {
    return { message: 'That token was not accepted: it is wrong, expired or revoked. Check it (it starts with sluice_) and try again.' };
  }
  if (error.status === 429 || error.code === 'TOO_MANY_REQUESTS') {
    const wait = retryAfterOf(error);
    return wait === undefined
      ? { message: 'Too many failed sign-ins from here. Wait a little before trying again.' }
      : { message: `Too many failed sign-ins from here. Try again in ${waitText(wait)}.`, waitSeconds: wait };
  }
  return { message: `Could not sign in: ${error.code} ${error.message}` };
}
