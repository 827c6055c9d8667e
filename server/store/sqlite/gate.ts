// One SQLite connection serves the whole server, and a transaction whose work awaits would otherwise let another
// request's statements run inside it (and commit or roll back with it). The gate queues transactions one after
// another and holds single statements back while a transaction is open. With no transaction open, a statement
// runs at once.
export type Exec = <T>(statement: () => T) => Promise<T>;

export class TransactionGate {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  /** Runs work when every earlier transaction has finished. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.queued += 1;
    const run = async () => {
      try {
        return await work();
      } finally {
        this.queued -= 1;
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** A single statement outside any transaction. */
  readonly direct: Exec = (statement) => {
    if (this.queued === 0) {
      try {
        return Promise.resolve(statement());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.exclusive(async () => statement());
  };
}

/** Inside a transaction the gate is already held: statements run at once. */
export const immediate: Exec = (statement) => {
  try {
    return Promise.resolve(statement());
  } catch (error) {
    return Promise.reject(error);
  }
};
