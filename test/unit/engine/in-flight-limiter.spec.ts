import { InFlightLimiter } from '../../../src/engine/jumio-transport/in-flight-limiter';
import { parseRetryAfter } from '../../../src/engine/jumio-transport/jumio-call-result';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}
function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every already-queued microtask (and the ones they queue) run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('InFlightLimiter', () => {
  it('never runs more than `limit` at once, and reaches the limit when there is enough work', async () => {
    const limiter = new InFlightLimiter(3);
    let running = 0;
    let max = 0;
    const gates = Array.from({ length: 20 }, () => deferred<number>());
    const results = gates.map((g, i) =>
      limiter
        .run(async () => {
          running++;
          max = Math.max(max, running);
          try {
            return await g.promise;
          } finally {
            running--;
          }
        })
        .then((v) => [i, v]),
    );
    await settle();
    expect(running).toBe(3);
    expect(limiter.inFlight).toBe(3);
    // Finish them in a scrambled order, checking the ceiling at every step.
    const order = [5, 0, 19, 2, 1, 7, 3, 4, 6, 18, 8, 9, 17, 10, 11, 16, 12, 13, 15, 14];
    for (const i of order) {
      gates[i].resolve(i * 10);
      await settle();
      expect(running).toBeLessThanOrEqual(3);
    }
    expect(await Promise.all(results)).toEqual(gates.map((_, i) => [i, i * 10]));
    expect(max).toBe(3);
    expect(running).toBe(0);
    expect(limiter.inFlight).toBe(0);
  });

  it('starts a waiter as soon as a slot frees', async () => {
    const limiter = new InFlightLimiter(2);
    const started: number[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((g, i) =>
      limiter.run(async () => {
        started.push(i);
        await g.promise;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    gates[1].resolve();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    gates[0].resolve();
    gates[2].resolve();
    await Promise.all(runs);
    expect(limiter.inFlight).toBe(0);
  });

  it('serves waiters first come, first served', async () => {
    const limiter = new InFlightLimiter(1);
    const started: number[] = [];
    const gates = Array.from({ length: 8 }, () => deferred());
    const runs = gates.map((g, i) =>
      limiter.run(async () => {
        started.push(i);
        await g.promise;
      }),
    );
    for (let i = 0; i < gates.length; i++) {
      await settle();
      expect(started).toEqual(Array.from({ length: i + 1 }, (_, k) => k));
      gates[i].resolve();
    }
    await Promise.all(runs);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('FIFO with a larger limit too, also for work queued later', async () => {
    const limiter = new InFlightLimiter(2);
    const started: string[] = [];
    const gates = new Map<string, Deferred<void>>();
    const submit = (name: string) => {
      const g = deferred();
      gates.set(name, g);
      return limiter.run(async () => {
        started.push(name);
        await g.promise;
      });
    };
    const runs = ['a', 'b', 'c', 'd'].map(submit);
    await settle();
    runs.push(submit('e'));
    gates.get('b')!.resolve();
    await settle();
    gates.get('a')!.resolve();
    await settle();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    for (const g of gates.values()) g.resolve();
    await Promise.all(runs);
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('releases the slot when the work rejects, and passes the rejection on', async () => {
    const limiter = new InFlightLimiter(1);
    const first = deferred();
    const a = limiter.run(() => first.promise);
    const secondStarted = jest.fn();
    const b = limiter.run(async () => {
      secondStarted();
      return 'b';
    });
    await settle();
    expect(secondStarted).not.toHaveBeenCalled();
    first.reject(new Error('boom'));
    await expect(a).rejects.toThrow('boom');
    await expect(b).resolves.toBe('b');
    expect(secondStarted).toHaveBeenCalledTimes(1);
    expect(limiter.inFlight).toBe(0);
  });

  it('releases the slot when the work throws synchronously', async () => {
    const limiter = new InFlightLimiter(1);
    await expect(
      limiter.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(limiter.inFlight).toBe(0);
    await expect(limiter.run(async () => 42)).resolves.toBe(42);
  });

  it('does not leak slots over many failures', async () => {
    const limiter = new InFlightLimiter(2);
    const runs = Array.from({ length: 50 }, (_, i) =>
      limiter.run(async () => {
        await settle();
        if (i % 3 === 0) throw new Error(`e${i}`);
        return i;
      }),
    );
    const settled = await Promise.allSettled(runs);
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(17);
    expect(limiter.inFlight).toBe(0);
    let running = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        limiter.run(async () => {
          running++;
          max = Math.max(max, running);
          await settle();
          running--;
        }),
      ),
    );
    expect(max).toBe(2);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-26T10:00:00.000Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 5 ', now)).toBe(5_000);
  });

  it('reads an HTTP-date relative to now', () => {
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:02:00 GMT', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:01 GMT', now)).toBe(1_000);
  });

  it('an HTTP-date in the past means no wait', () => {
    expect(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('ignores missing values, non-strings and garbage', () => {
    for (const v of [
      undefined,
      null,
      '',
      '   ',
      120,
      ['120'],
      'soon',
      'later please',
      '12 seconds',
      '1e3',
      'NaN',
      'Infinity',
    ]) {
      expect({ v, parsed: parseRetryAfter(v, now) }).toEqual({ v, parsed: null });
    }
  });

  // Found by this test: the lenient Date.parse read "-5", "1.5" or "abc 5" as dates; only IMF-fixdate is read now.
  it('ignores values that are neither delay-seconds nor an HTTP-date', () => {
    for (const v of ['-5', '1.5', 'abc 5']) expect({ v, parsed: parseRetryAfter(v, now) }).toEqual({ v, parsed: null });
  });
});
