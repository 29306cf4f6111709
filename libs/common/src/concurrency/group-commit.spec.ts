import { describe, expect, it } from '@jest/globals';
import { GroupCommit, type Settled } from './group-commit.js';

/** A batch writer the test releases by hand, recording what each batch held. */
function gatedWriter() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const run = async (items: number[]): Promise<Settled<string>[]> => {
    batches.push(items);
    await new Promise<void>((release) => gates.push(release));
    return items.map((item) =>
      item < 0 ? { ok: false, error: new Error(`refused ${item}`) } : { ok: true, value: `done ${item}` },
    );
  };
  return { batches, gates, run };
}

describe('GroupCommit', () => {
  it('writes a lone item at once, and items arriving meanwhile together in the next batch', async () => {
    const writer = gatedWriter();
    const commit = new GroupCommit(writer.run);
    const first = commit.submit(1);
    expect(writer.batches).toEqual([[1]]);
    const later = [commit.submit(2), commit.submit(3), commit.submit(4)];
    expect(writer.batches).toEqual([[1]]);
    expect(commit.waiting).toBe(3);
    writer.gates[0]();
    await expect(first).resolves.toBe('done 1');
    await new Promise(setImmediate);
    expect(writer.batches).toEqual([[1], [2, 3, 4]]);
    writer.gates[1]();
    await expect(Promise.all(later)).resolves.toEqual(['done 2', 'done 3', 'done 4']);
  });

  it('settles each item on its own: one refusal does not fail the others', async () => {
    const writer = gatedWriter();
    const commit = new GroupCommit(writer.run);
    const blocker = commit.submit(0);
    const good = commit.submit(5);
    const bad = commit.submit(-1);
    writer.gates[0]();
    await blocker;
    await new Promise(setImmediate);
    writer.gates[1]();
    await expect(good).resolves.toBe('done 5');
    await expect(bad).rejects.toThrow('refused -1');
  });

  it('fails every item of a batch whose write failed, and carries on with the next', async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>(async (items) => {
      calls++;
      if (calls === 1) throw new Error('connection lost');
      return items.map((value) => ({ ok: true, value }));
    });
    await expect(Promise.all([commit.submit(1)])).rejects.toThrow('connection lost');
    await expect(commit.submit(2)).resolves.toBe(2);
  });

  it('caps a batch at maxBatch items', async () => {
    const writer = gatedWriter();
    const commit = new GroupCommit(writer.run, 2);
    const all = [1, 2, 3, 4, 5].map((item) => commit.submit(item));
    for (let i = 0; i < 3; i++) {
      writer.gates[i]();
      await new Promise(setImmediate);
    }
    await Promise.all(all);
    expect(writer.batches).toEqual([[1], [2, 3], [4, 5]]);
  });
});

describe('GroupCommit writing several batches at once', () => {
  it('starts a batch at once while fewer than `concurrency` are being written, then groups the rest', async () => {
    const writer = gatedWriter();
    const commit = new GroupCommit(writer.run, 64, 2);
    const first = commit.submit(1);
    const second = commit.submit(2);
    expect(writer.batches).toEqual([[1], [2]]);
    const later = [commit.submit(3), commit.submit(4)];
    expect(commit.waiting).toBe(2);
    // The second batch finishes first: the waiting items go together as soon as one is free.
    writer.gates[1]();
    await expect(second).resolves.toBe('done 2');
    await new Promise(setImmediate);
    expect(writer.batches).toEqual([[1], [2], [3, 4]]);
    writer.gates[0]();
    writer.gates[2]();
    await expect(Promise.all([first, ...later])).resolves.toEqual(['done 1', 'done 3', 'done 4']);
    expect(commit.waiting).toBe(0);
  });

  it('never writes more than `concurrency` batches at a time', async () => {
    let writing = 0;
    let most = 0;
    const commit = new GroupCommit<number, number>(
      async (items) => {
        most = Math.max(most, ++writing);
        await new Promise(setImmediate);
        writing--;
        return items.map((value) => ({ ok: true, value }));
      },
      4,
      3,
    );
    const items = Array.from({ length: 40 }, (_, index) => index);
    await expect(Promise.all(items.map((item) => commit.submit(item)))).resolves.toEqual(items);
    expect(most).toBe(3);
  });
});
