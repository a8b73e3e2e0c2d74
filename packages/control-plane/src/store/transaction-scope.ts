import { AsyncLocalStorage } from 'node:async_hooks';
import { ErrorCode, SluiceError } from '@sluice/domain';

interface Frame {
  open: boolean;
}

/**
 * Knows whether the current async call chain is inside one of this store's running transactions.
 * A store call from there that bypasses `tx` would deadlock (memory, SQLite: one writer at a time)
 * or silently escape the transaction (Postgres), so it fails fast instead.
 */
export class TransactionScope {
  readonly #storage = new AsyncLocalStorage<Frame>();

  /** Runs `work` marked as inside a transaction; the mark ends when `work` settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const frame: Frame = { open: true };
    try {
      return await this.#storage.run(frame, work);
    } finally {
      // Callbacks scheduled by `work` keep the frame after it returns; they are outside by then.
      frame.open = false;
    }
  }

  /** Throws when called from inside a running transaction of the same store. */
  assertOutside(operation: string): void {
    if (this.#storage.getStore()?.open === true) {
      throw new SluiceError(
        ErrorCode.INTERNAL,
        `${operation} was called on the store from inside one of its transactions: use the \`tx\` passed to transaction(work) instead (store calls there would deadlock or escape the transaction)`,
        { details: { operation } },
      );
    }
  }
}

/** Guards a transaction view so a `tx` kept after its transaction ended cannot write outside it. */
export class TransactionLease {
  #done = false;
  finish(): void {
    this.#done = true;
  }
  check(operation: string): void {
    if (this.#done) {
      throw new SluiceError(
        ErrorCode.INTERNAL,
        `${operation} was called on a transaction that has already finished: use the store, or start a new transaction`,
        { details: { operation } },
      );
    }
  }
}
