/** One item's outcome in a batch: its own result or its own error, whatever befell the others. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * For a GroupCommit of reads: answers all items with one call of `run` (one answer per item, in
 * order). If PostgreSQL refuses the values (a data exception, SQLSTATE class 22: a malformed id),
 * each item is asked alone, so one item's refusal stays its own; any other failure (the database
 * unreachable) fails them all, rather than asking again once per item of a database in trouble.
 */
export async function eachApart<Item, Result>(
  items: Item[],
  run: (items: Item[]) => Promise<Result[]>,
): Promise<Settled<Result>[]> {
  try {
    return (await run(items)).map((value) => ({ ok: true, value }));
  } catch (error) {
    const sqlState = (error as { driverError?: { code?: unknown } }).driverError?.code;
    if (items.length === 1 || typeof sqlState !== 'string' || !sqlState.startsWith('22')) throw error;
    return Promise.all(
      items.map((item) =>
        run([item]).then(
          ([value]): Settled<Result> => ({ ok: true, value }),
          (alone: unknown): Settled<Result> => ({ ok: false, error: alone }),
        ),
      ),
    );
  }
}

/**
 * Group commit: an item is written at once when fewer than `concurrency` batches are being
 * written; otherwise it waits, and goes with every item that arrived meanwhile in the next batch
 * to start. So alone each item is written at once (no waiting for company), and under load many
 * concurrent writes share one transaction and one commit. `runBatch` settles each item separately;
 * if it throws, every item of that batch gets the error.
 */
export class GroupCommit<Item, Result> {
  private queue: { item: Item; resolve: (value: Result) => void; reject: (error: unknown) => void }[] = [];
  private running = 0;

  constructor(
    private readonly runBatch: (items: Item[]) => Promise<Settled<Result>[]>,
    private readonly maxBatch = 64,
    /** Batches written at the same time, each on its own connection. */
    private readonly concurrency = 1,
  ) {}

  /** Items waiting for a batch being written to finish. */
  get waiting(): number {
    return this.queue.length;
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.running < this.concurrency) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running++;
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
    this.running--;
  }
}
