import { execFile } from 'node:child_process';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { MetricProvider, MetricQuery, MetricResult, Reachability } from '../metric-provider.js';
import { resolveTemplate } from '../metric-provider.js';

export interface CommandMetricProviderOptions {
  /** Per run; the process is killed (SIGKILL) when it is over. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** The most stdout (and stderr) kept; more is an error. Default 64 KiB. */
  readonly maxOutputBytes?: number;
  /** The argv `reachable()` runs to check commands can run at all. Default `["true"]`. */
  readonly probe?: readonly string[];
  /** Working directory for commands and the probe. Default: the control plane's own. */
  readonly cwd?: string;
  /** Environment for commands and the probe. Default: the control plane's own. */
  readonly env?: Readonly<Record<string, string>>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;
const STDERR_TAIL = 500;
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const START_ERRORS = new Set(['ENOENT', 'EACCES', 'ENOTDIR', 'EPERM']);

interface RunOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly error: (Error & { code?: unknown; killed?: boolean; signal?: unknown }) | null;
}

/**
 * Measures by running a command and reading a number from the last non-empty line of its stdout.
 * `query.query` is split on whitespace into an argv first, and only then are `{{name}}` placeholders
 * replaced inside each element — so an argument value is always one argv element and never shell
 * syntax. The command runs with execFile, without a shell.
 */
export class CommandMetricProvider implements MetricProvider {
  readonly kind = 'command';
  readonly #timeoutMs: number;
  readonly #maxOutputBytes: number;
  readonly #probe: readonly string[];
  readonly #cwd: string | undefined;
  readonly #env: Readonly<Record<string, string>> | undefined;

  constructor(options: CommandMetricProviderOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.#probe = options.probe ?? ['true'];
    this.#cwd = options.cwd;
    this.#env = options.env;
    if (this.#probe.length === 0 || this.#probe[0] === '') throw new TypeError('command provider: probe must name an executable');
  }

  async measure(query: MetricQuery, signal?: AbortSignal): Promise<MetricResult> {
    const argv = toArgv(query.query, query.args);
    const resolvedQuery = formatArgv(argv.argv);
    if (argv.missing.length > 0) {
      throw failed(`${resolvedQuery}: unknown placeholder(s) ${argv.missing.map((m) => `{{${m}}}`).join(', ')}`);
    }
    if (argv.argv.length === 0) throw failed('the command is empty');
    const outcome = await this.#run(argv.argv, signal);
    if (outcome.error) throw this.#runError(resolvedQuery, outcome, signal);
    return parseOutput(outcome.stdout, resolvedQuery);
  }

  async reachable(signal?: AbortSignal): Promise<Reachability> {
    const shown = formatArgv(this.#probe);
    const outcome = await this.#run(this.#probe, signal);
    if (!outcome.error) return { ok: true, detail: `probe ${shown} ran (exit 0)` };
    return { ok: false, detail: this.#runError(shown, outcome, signal).message };
  }

  #run(argv: readonly string[], signal: AbortSignal | undefined): Promise<RunOutcome> {
    const [file, ...args] = argv as [string, ...string[]];
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve({ stdout: '', stderr: '', error: Object.assign(new Error('aborted before start'), { code: 'ABORT_ERR' }) });
        return;
      }
      execFile(
        file,
        args,
        {
          shell: false,
          timeout: this.#timeoutMs,
          killSignal: 'SIGKILL',
          maxBuffer: this.#maxOutputBytes,
          encoding: 'utf8',
          windowsHide: true,
          ...(signal ? { signal } : {}),
          ...(this.#cwd === undefined ? {} : { cwd: this.#cwd }),
          ...(this.#env === undefined ? {} : { env: { ...this.#env } }),
        },
        (error, stdout, stderr) => resolve({ stdout, stderr, error }),
      );
    });
  }

  #runError(shown: string, outcome: RunOutcome, signal: AbortSignal | undefined): SluiceError {
    const error = outcome.error as NonNullable<RunOutcome['error']>;
    const stderr = tail(outcome.stderr);
    const withStderr = stderr ? `; stderr ends ${JSON.stringify(stderr)}` : '';
    if (signal?.aborted || error.code === 'ABORT_ERR') return failed(`${shown}: aborted by the caller`, error);
    if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
      return failed(`${shown}: output over the ${this.#maxOutputBytes}-byte limit; the process was killed`, error);
    }
    if (typeof error.code === 'string' && START_ERRORS.has(error.code)) {
      const where = this.#cwd === undefined ? '' : ` in ${this.#cwd}`;
      return new SluiceError(ErrorCode.UNREACHABLE, `command: ${shown}: cannot start${where} (${error.code}: ${error.message})`, { cause: error });
    }
    if (error.killed === true && error.signal === 'SIGKILL') {
      return failed(`${shown}: timed out after ${this.#timeoutMs} ms; the process was killed${withStderr}`, error);
    }
    if (typeof error.code === 'number') return failed(`${shown}: exited with code ${error.code}${withStderr}`, error);
    if (typeof error.signal === 'string') return failed(`${shown}: killed by ${error.signal}${withStderr}`, error);
    return failed(`${shown}: ${error.message}${withStderr}`, error);
  }
}

/** Splits the template on whitespace first, then fills placeholders inside each element. */
export function toArgv(command: string, args: Readonly<Record<string, string>>): { argv: string[]; missing: string[] } {
  const missing: string[] = [];
  const argv = command
    .split(/\s+/)
    .filter((part) => part !== '')
    .map((part) => {
      const resolved = resolveTemplate(part, args);
      missing.push(...resolved.missing);
      return resolved.text;
    });
  return { argv, missing };
}

/** The argv as one readable line for messages and the decision log; elements with odd characters are quoted. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part))).join(' ');
}

function parseOutput(stdout: string, resolvedQuery: string): MetricResult {
  const lines = stdout.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  const last = lines.at(-1);
  if (last === undefined) return { kind: 'no-data', reason: 'the command printed nothing on stdout', resolvedQuery };
  const value = NUMERIC.test(last) ? Number(last) : Number.NaN;
  if (!Number.isFinite(value)) {
    const shown = last.length > 200 ? `${last.slice(0, 200)}…` : last;
    throw failed(`${resolvedQuery}: the last line of stdout is ${JSON.stringify(shown)}, not a number`);
  }
  return { kind: 'value', value, resolvedQuery };
}

function tail(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > STDERR_TAIL ? `…${trimmed.slice(-STDERR_TAIL)}` : trimmed;
}

function failed(message: string, cause?: unknown): SluiceError {
  return new SluiceError(ErrorCode.ADAPTER_FAILED, `command: ${message}`, cause === undefined ? {} : { cause });
}
