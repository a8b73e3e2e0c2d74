import type { Store, StoreTransaction } from '../../store/store.js';

/**
 * Wraps a store so that it "dies" right after its N-th committed transaction: every later call
 * throws, as if the process had been killed with -9 at that instant. The inner store keeps exactly
 * what was committed, like a database file after a crash.
 */
export class DyingStore implements Store {
  readonly kind = 'dying';
  #commits = 0;
  readonly #inner: Store;
  readonly #limit: number;

  constructor(inner: Store, commitsBeforeDeath: number) {
    this.#inner = inner;
    this.#limit = commitsBeforeDeath;
  }

  get dead(): boolean {
    return this.#commits >= this.#limit;
  }

  #check(): void {
    if (this.dead) throw new Error('process killed (simulated kill -9)');
  }

  get services(): StoreTransaction['services'] {
    this.#check();
    return this.#inner.services;
  }
  get rollouts(): StoreTransaction['rollouts'] {
    this.#check();
    return this.#inner.rollouts;
  }
  get segments(): StoreTransaction['segments'] {
    this.#check();
    return this.#inner.segments;
  }
  get flags(): StoreTransaction['flags'] {
    this.#check();
    return this.#inner.flags;
  }
  get targets(): StoreTransaction['targets'] {
    this.#check();
    return this.#inner.targets;
  }
  get analysisTemplates(): StoreTransaction['analysisTemplates'] {
    this.#check();
    return this.#inner.analysisTemplates;
  }
  get revisions(): StoreTransaction['revisions'] {
    this.#check();
    return this.#inner.revisions;
  }
  get events(): StoreTransaction['events'] {
    this.#check();
    return this.#inner.events;
  }
  get experiments(): StoreTransaction['experiments'] {
    this.#check();
    return this.#inner.experiments;
  }
  get metricSamples(): Store['metricSamples'] {
    this.#check();
    return this.#inner.metricSamples;
  }
  get webhooks(): StoreTransaction['webhooks'] {
    this.#check();
    return this.#inner.webhooks;
  }
  get webhookDeliveries(): Store['webhookDeliveries'] {
    this.#check();
    return this.#inner.webhookDeliveries;
  }

  get leases(): Store['leases'] {
    this.#check();
    return this.#inner.leases;
  }
  get routes(): StoreTransaction['routes'] {
    this.#check();
    return this.#inner.routes;
  }
  get tokens(): Store['tokens'] {
    this.#check();
    return this.#inner.tokens;
  }
  get dataPlaneReports(): Store['dataPlaneReports'] {
    this.#check();
    return this.#inner.dataPlaneReports;
  }

  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    this.#check();
    const result = await this.#inner.transaction(work);
    this.#commits++;
    return result;
  }

  async close(): Promise<void> {}
}
