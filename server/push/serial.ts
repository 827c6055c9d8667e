// Runs tasks one after another per key (a user), so the messages a user's devices get keep the order in which the
// tasks were queued, even when a task must first read a row. Different keys do not wait for each other.

export class SerialByKey<K> {
  private readonly tails = new Map<K, Promise<void>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Whether a task for the key is queued or running. */
  busy(key: K): boolean {
    return this.tails.has(key);
  }

  run(key: K, task: () => Promise<void> | void): void {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const tail = previous.then(task).catch(this.onError);
    this.tails.set(key, tail);
    void tail.finally(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }

  /** Resolves once every task queued so far has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
