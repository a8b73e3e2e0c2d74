import { execFile } from 'node:child_process';
import type { Operation } from '@sluice/domain';
import { readLimited } from '../providers/http-body.js';

/** How an operation went, in one line a person reads. */
export interface OperationOutcome {
  readonly ok: boolean;
  readonly detail: string;
}

/** Output kept per stream; a command printing more is not failed for it (only the tail is shown). */
const MAX_OUTPUT = 1024 * 1024;
const MAX_BODY = 64 * 1024;
const TAIL = 300;

const tail = (text: string): string => {
  const t = text.trim();
  return t.length <= TAIL ? t : `…${t.slice(-TAIL)}`;
};

/** Runs argv (split on whitespace, no shell) and succeeds on exit 0. */
function runCommand(op: Extract<Operation, { kind: 'command' }>, cwd: string | undefined, signal: AbortSignal): Promise<OperationOutcome> {
  const [file, ...args] = op.command.trim().split(/\s+/);
  if (file === undefined || file === '') return Promise.resolve({ ok: false, detail: 'empty command' });
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: op.timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT, signal, ...(cwd === undefined ? {} : { cwd }) }, (error, stdout, stderr) => {
      // The control plane is stopping: the operation did not fail, it was interrupted (it runs again on restart).
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      if (error === null) {
        resolve({ ok: true, detail: `\`${op.command}\` exited 0${stdout.trim() ? `: ${tail(stdout)}` : ''}` });
        return;
      }
      const e = error as Error & { code?: unknown; killed?: boolean };
      const why = e.killed ? `timed out after ${op.timeoutMs} ms` : typeof e.code === 'number' ? `exited ${e.code}` : `could not run (${String(e.code ?? e.message)})`;
      resolve({ ok: false, detail: `\`${op.command}\` ${why}${stderr.trim() ? `: ${tail(stderr)}` : ''}` });
    });
  });
}

/** Sends one request and succeeds on an expected status; the body is read (bounded) for the detail. */
async function runHttp(op: Extract<Operation, { kind: 'http' }>, signal: AbortSignal): Promise<OperationOutcome> {
  const where = `${op.method} ${op.url}`;
  try {
    const response = await fetch(op.url, {
      method: op.method,
      headers: op.headers,
      ...(op.body === undefined ? {} : { body: op.body }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(op.timeoutMs)]),
      redirect: 'manual',
    });
    const { text } = await readLimited(response, MAX_BODY);
    const ok = op.expectStatus.includes(response.status);
    const expected = ok ? '' : ` (expected ${op.expectStatus.join(' or ')})`;
    return { ok, detail: `${where} answered ${response.status}${expected}${text.trim() ? `: ${tail(text)}` : ''}` };
  } catch (error) {
    signal.throwIfAborted();
    const cause = error instanceof Error && error.name === 'TimeoutError' ? `timed out after ${op.timeoutMs} ms` : error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    return { ok: false, detail: `${where} failed: ${cause}` };
  }
}

/** Runs a command or HTTP operation. Instructions are a person's to do and never run here. */
export function runOperation(op: Exclude<Operation, { kind: 'instruction' }>, cwd: string | undefined, signal: AbortSignal): Promise<OperationOutcome> {
  return op.kind === 'command' ? runCommand(op, cwd, signal) : runHttp(op, signal);
}
