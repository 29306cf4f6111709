/** One item's outcome in a batch: its own result or its own error, whatever befell the others. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Group commit: items submitted while a batch is being written wait, then go together in the next
 * batch, so under load many concurrent writes share one transaction and one commit, and alone each
 * is written at once (no waiting for company). One batch runs at a time per instance; `runBatch`
 * settles each item separately, and if it throws, every item of that batch gets the error.
 */
export class GroupCommit<Item, Result> {
  private queue: { item: Item; resolve: (value: Result) => void; reject: (error: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly runBatch: (items: Item[]) => Promise<Settled<Result>[]>,
    private readonly maxBatch = 64,
  ) {}

  /** Items waiting for the batch being written to finish. */
  get waiting(): number {
    return this.queue.length;
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const settled = await this.runBatch(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => {
          const outcome = settled[index];
          if (outcome.ok) entry.resolve(outcome.value);
          else entry.reject(outcome.error);
        });
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.running = false;
  }
}
