import type { Clock } from '@sluice/domain';
import type { Logger } from '../platform/logger.js';
import type { LeaseStore } from '../store/coordination.js';

/** What a replica runs while it leads; `stop` ends it (the term is over, or the process stops). */
export interface Term {
  stop(): Promise<void>;
}

export interface LeaderElectionOptions {
  readonly leases: LeaseStore;
  /** The lease everyone competes for, e.g. "controller". */
  readonly lease: string;
  /** This replica's name (unique among replicas: host and pid, say). */
  readonly holder: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** How long a lease lasts without renewal: the longest a dead leader delays a takeover. Default 3000 ms. */
  readonly ttlMs?: number;
  /** How often the leader renews and the others try to take over. Default ttlMs / 4. */
  readonly intervalMs?: number;
  /** Starts leading with the term's fencing token; what it returns is stopped when the term ends. */
  readonly lead: (token: number) => Promise<Term>;
}

export type Role = 'leader' | 'follower';

/** The lease the control-plane replicas compete for. */
export const CONTROLLER_LEASE = 'controller';

/**
 * Leader election over a lease in the store. Every interval the replica tries to take or renew the
 * lease; while it holds it, it leads (`lead`, with the term's fencing token). It steps down when
 * another holds the lease, or when it could not renew before its own lease would have expired
 * (a database it cannot reach), with a margin of one interval so it stops before anyone can take over.
 */
export class LeaderElection {
  readonly #options: LeaderElectionOptions;
  readonly #ttlMs: number;
  readonly #intervalMs: number;
  #term: { token: number; expiresAt: number; running: Promise<Term | undefined> } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #tick: Promise<void> = Promise.resolve();

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.#ttlMs = options.ttlMs ?? 3000;
    this.#intervalMs = options.intervalMs ?? Math.max(50, Math.floor(this.#ttlMs / 4));
  }

  get role(): Role {
    return this.#term === undefined ? 'follower' : 'leader';
  }

  /** The current term's fencing token; undefined while following. */
  get token(): number | undefined {
    return this.#term?.token;
  }

  /** Tries once now, then keeps trying every interval until `stop`. */
  async start(): Promise<void> {
    await this.attempt();
    if (this.#timer === undefined) this.#schedule();
  }

  /** One attempt to take or renew the lease now (the timer makes one every interval). */
  attempt(): Promise<void> {
    this.#tick = this.#tick
      .then(() => this.#attempt())
      .catch((error: unknown) => this.#options.log.error('lease attempt failed', { lease: this.#options.lease, error: describe(error) }));
    return this.#tick;
  }

  /** Stops trying; a leader ends its term and releases the lease so another takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#tick;
    const term = this.#term;
    if (term === undefined) return;
    await this.#endTerm('this replica is stopping');
    await this.#options.leases.release(this.#options.lease, this.#options.holder).catch(() => undefined);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.attempt().finally(() => this.#schedule());
    }, this.#intervalMs);
  }

  async #attempt(): Promise<void> {
    const { leases, lease, holder, clock, log } = this.#options;
    const now = clock.now();
    let got;
    try {
      got = await leases.acquire(lease, holder, now, this.#ttlMs);
    } catch (error) {
      const term = this.#term;
      if (term !== undefined && clock.now() >= term.expiresAt - this.#intervalMs) await this.#endTerm(`the lease could not be renewed before it expires: ${describe(error)}`);
      else log.warn('lease attempt failed; retrying', { lease, error: describe(error) });
      return;
    }
    if (this.#stopped) return;
    if (got === undefined) {
      if (this.#term !== undefined) await this.#endTerm('another replica holds the lease');
      return;
    }
    if (this.#term !== undefined && this.#term.token === got.token) {
      this.#term.expiresAt = got.expiresAt;
      return;
    }
    if (this.#term !== undefined) await this.#endTerm('the lease moved to a new term');
    log.info('elected leader', { lease, holder, term: got.token });
    // Leading starts in the background: renewals go on while a long first pass runs.
    const running = this.#options.lead(got.token).catch((error: unknown) => {
      log.error('could not start leading; giving the lease up', { lease, term: got.token, error: describe(error) });
      this.#term = undefined;
      void leases.release(lease, holder).catch(() => undefined);
      return undefined;
    });
    this.#term = { token: got.token, expiresAt: got.expiresAt, running };
  }

  /** Resolves once the current term (if any) has started leading. */
  async settled(): Promise<void> {
    await this.#term?.running;
  }

  async #endTerm(why: string): Promise<void> {
    const term = this.#term;
    if (term === undefined) return;
    this.#term = undefined;
    this.#options.log.warn('stepping down', { lease: this.#options.lease, term: term.token, why });
    await (await term.running)?.stop();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
