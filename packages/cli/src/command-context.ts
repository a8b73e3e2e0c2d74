import type { Clock } from '@sluice/domain';
import { ApiClient, resolveActor, resolveBaseUrl, resolveToken } from './api-client.js';
import { realSleep, systemClock, type CliIo } from './cli-io.js';
import { ExitCode } from './report-error.js';

/** What every command gets: its io, a lazily built API client, time, and a way to set the exit code. */
export class CommandContext {
  readonly io: CliIo;
  readonly clock: Clock;
  /** The code `main` returns when the action finishes without throwing. */
  exitCode: ExitCode = ExitCode.Ok;
  #client: ApiClient | undefined;
  /** The global --token option (set before the action runs); SLUICE_TOKEN when absent. */
  tokenOption: string | undefined;

  constructor(io: CliIo) {
    this.io = io;
    this.clock = io.clock ?? systemClock;
  }

  /** Built on first use, so offline commands never read SLUICE_URL. Throws INVALID_REQUEST for a bad SLUICE_URL. */
  client(): ApiClient {
    const token = resolveToken(this.tokenOption, this.io.env);
    this.#client ??= new ApiClient({ baseUrl: resolveBaseUrl(this.io.env), actor: resolveActor(this.io.env), ...(token === undefined ? {} : { token }) });
    return this.#client;
  }

  now(): number {
    return this.clock.now();
  }

  sleep(ms: number): Promise<void> {
    return (this.io.sleep ?? realSleep)(ms);
  }
}
