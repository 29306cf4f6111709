import { jest } from '@jest/globals';
import { ServiceDrain } from './service-drain.js';

describe('ServiceDrain', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('is settled at once when nothing is in flight', async () => {
    const drain = new ServiceDrain();
    drain.begin();
    expect(drain.isDraining).toBe(true);
    await expect(drain.settled(0)).resolves.toBe(true);
  });

  it('settles when the last piece of work under way ends, and counts each piece once', async () => {
    const drain = new ServiceDrain();
    const first = drain.start();
    const second = drain.start();
    drain.begin();
    let idle: boolean | undefined;
    const settled = drain.settled(60_000).then((result) => (idle = result));
    second();
    second(); // counted once, however often it is called
    await new Promise((resolve) => setImmediate(resolve)); // every promise callback queued so far has run
    expect(idle).toBeUndefined();
    first();
    await expect(settled).resolves.toBe(true);
  });

  it('gives up after the drain timeout, saying so', async () => {
    jest.useFakeTimers();
    const drain = new ServiceDrain();
    drain.start();
    drain.begin();
    const settled = drain.settled(10_000);
    jest.advanceTimersByTime(10_000);
    await expect(settled).resolves.toBe(false);
  });
});
