import { SendRateLimiter } from '../../functions/approval-worker/send-rate-limiter';

/** A clock that only moves when the limiter sleeps, so timings are exact. */
function fakeClock() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: (ms: number) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
    sleeps,
    elapsed: () => now - 1_000_000,
  };
}

describe('SendRateLimiter', () => {
  it('lets the first send go at once and spaces the others at the configured rate', async () => {
    const clock = fakeClock();
    const limiter = new SendRateLimiter({ maxPerSecond: 4, ...clock });

    for (let i = 0; i < 9; i++) await limiter.acquire();

    expect(clock.sleeps).toEqual([250, 250, 250, 250, 250, 250, 250, 250]);
    expect(clock.elapsed()).toBe(2_000);
  });

  it('never exceeds the rate over a burst of concurrent callers', async () => {
    // All 25 ask at the same instant; each is told how long to wait for its slot.
    const start = 1_000_000;
    const grantedAt: number[] = [];
    const limiter = new SendRateLimiter({
      maxPerSecond: 10,
      now: () => start,
      sleep: (ms) => {
        grantedAt.push(start + ms);
        return Promise.resolve();
      },
    });

    await Promise.all(Array.from({ length: 25 }, () => limiter.acquire()));
    grantedAt.push(start);

    expect(grantedAt).toHaveLength(25);
    for (const from of grantedAt) {
      expect(grantedAt.filter((t) => t >= from && t < from + 1_000).length).toBeLessThanOrEqual(10);
    }
    expect(Math.max(...grantedAt) - start).toBe(2_400);
  });

  it('halves the pace on throttling, down to a floor, and recovers on successes', () => {
    const limiter = new SendRateLimiter({ maxPerSecond: 8 });

    limiter.throttled();
    expect(limiter.currentRate).toBe(4);
    for (let i = 0; i < 10; i++) limiter.throttled();
    expect(limiter.currentRate).toBe(2);
    for (let i = 0; i < 100; i++) limiter.succeeded();
    expect(limiter.currentRate).toBe(8);
  });

  it('never slows below one email every 2 s, unless the maximum itself is lower', () => {
    const slow = new SendRateLimiter({ maxPerSecond: 1 });
    const slower = new SendRateLimiter({ maxPerSecond: 0.25 });

    for (let i = 0; i < 10; i++) {
      slow.throttled();
      slower.throttled();
    }
    expect(slow.currentRate).toBe(0.5);
    expect(slower.currentRate).toBe(0.25);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new SendRateLimiter({ maxPerSecond: 0 })).toThrow('maxPerSecond must be above 0');
  });
});
