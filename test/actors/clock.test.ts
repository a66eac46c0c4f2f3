import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/actors/clock.js';

describe('ManualClock', () => {
  it('clock — advance fires due timers in due order, each seeing its own due time', () => {
    const clock = new ManualClock(1000);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
    clock.advance(25);
    expect(seen).toEqual(['a@1010', 'b@1020']);
    expect(clock.now()).toBe(1025);
    clock.advance(5);
    expect(seen).toEqual(['a@1010', 'b@1020', 'c@1030']);
  });

  it('clock — timers due at the same instant fire in the order they were set', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) clock.setTimeout(() => seen.push(i), 7);
    clock.advance(7);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('clock — a timer set by a firing timer fires in the same advance when it falls due', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    expect(seen).toEqual([5, 10]);
  });

  it('clock — clearTimeout cancels; clearing twice or after firing is harmless', () => {
    const clock = new ManualClock();
    let fired = 0;
    const a = clock.setTimeout(() => fired++, 5);
    const b = clock.setTimeout(() => fired++, 5);
    clock.clearTimeout(a);
    clock.clearTimeout(a);
    clock.advance(5);
    clock.clearTimeout(b);
    expect(fired).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('clock — sleep resolves only once time is advanced past it', async () => {
    const clock = new ManualClock();
    let woke = false;
    const p = clock.sleep(100).then(() => {
      woke = true;
    });
    await clock.advanceAsync(99);
    expect(woke).toBe(false);
    await clock.advanceAsync(1);
    await p;
    expect(woke).toBe(true);
  });

  it('clock — advanceAsync lets async code woken by a timer schedule and run its next timer', async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        seen.push(clock.now());
      }
    })();
    await clock.advanceAsync(30);
    await loop;
    expect(seen).toEqual([10, 20, 30]);
  });

  it('clock — sleep rejects with the abort reason and clears its timer', async () => {
    const clock = new ManualClock();
    const ac = new AbortController();
    const p = clock.sleep(50, ac.signal);
    ac.abort(new Error('cancelled'));
    await expect(p).rejects.toThrow('cancelled');
    expect(clock.pendingTimers).toBe(0);
    await expect(clock.sleep(1, ac.signal)).rejects.toThrow('cancelled');
  });

  it('clock — runNext jumps to the next timer; nextDue reports it', async () => {
    const clock = new ManualClock();
    expect(await clock.runNext()).toBe(false);
    let fired = false;
    clock.setTimeout(() => {
      fired = true;
    }, 250);
    expect(clock.nextDue()).toBe(250);
    expect(await clock.runNext()).toBe(true);
    expect(fired).toBe(true);
    expect(clock.now()).toBe(250);
  });

  it('clock — refuses to go backwards', () => {
    expect(() => new ManualClock().advance(-1)).toThrow(RangeError);
  });
});

describe('systemClock', () => {
  it('clock — system now is epoch milliseconds and never decreases', () => {
    const a = systemClock.now();
    const b = systemClock.now();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(Math.abs(a - Date.now())).toBeLessThan(60_000);
  });

  it('clock — system timers fire and can be cleared', async () => {
    let cleared = false;
    const h = systemClock.setTimeout(() => {
      cleared = true;
    }, 0);
    systemClock.clearTimeout(h);
    await systemClock.sleep(1);
    expect(cleared).toBe(false);
  });
});
