/**
 * Time, injected. Actors, supervisors and coordinators never call `Date.now()` or the global
 * `setTimeout` themselves; they take a {@link Clock}, so tests drive time with {@link ManualClock}
 * and assert on order and delays without ever waiting for real time to pass.
 */

declare const timerBrand: unique symbol;

/** Opaque handle of a scheduled timer; only the clock that made it can clear it. */
export type TimerHandle = { readonly [timerBrand]: true };

/** The time source and timer facility of an actor system. */
export interface Clock {
  /**
   * Milliseconds since the Unix epoch. On {@link systemClock} this is monotonic within the process
   * (`performance.timeOrigin + performance.now()`), so differences never go negative when the
   * wall clock is stepped; use it for durations, windows and deadlines.
   */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds (0 when negative). */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
  /** Resolves after `ms` milliseconds; rejects with `signal.reason` when the signal aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Shared `sleep` on top of a clock's own timers, so both clocks abort the same way. */
function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal!.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The real clock: Node's timers and a monotonic, epoch-aligned `now()`. */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, Math.max(0, ms)) as unknown as TimerHandle,
  clearTimeout: (handle) => globalThis.clearTimeout(handle as unknown as NodeJS.Timeout),
  sleep(ms, signal) {
    return sleepOn(systemClock, ms, signal);
  },
};

interface ManualTimer {
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to. Timers fire in `(due time, creation order)` order, each
 * with `now()` equal to its own due time, so a timer that sets another timer inside the advanced
 * span sees that one fire in the same `advance` call, just as real time would run it.
 */
export class ManualClock implements Clock {
  #now: number;
  // A test clock holds a handful of timers; a linear scan keeps it obviously correct. Map order is
  // insertion order and only a strictly earlier timer displaces the best so far, so timers due at
  // the same instant fire in the order they were set.
  readonly #timers = new Map<TimerHandle, ManualTimer>();

  /** @param start initial `now()` in epoch milliseconds (default 0). */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = {} as TimerHandle;
    this.#timers.set(handle, { due: this.#now + Math.max(0, ms), fn });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Number of timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Due time of the next timer, or `undefined` when none is set. */
  nextDue(): number | undefined {
    return this.#next()?.[1].due;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order.
   * Synchronous: promise continuations of fired timers run after it returns. Use
   * {@link advanceAsync} when those continuations set further timers that must fire too.
   */
  advance(ms: number): void {
    const target = this.#target(ms);
    for (let next = this.#next(); next !== undefined && next[1].due <= target; next = this.#next()) {
      this.#fire(next);
    }
    this.#now = target;
  }

  /**
   * Like {@link advance}, but lets pending promise jobs settle before the first timer, after each
   * fired timer and at the end, so async code woken by a timer (an `await clock.sleep()` followed
   * by more work) runs before time moves on.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.#target(ms);
    await settle();
    for (let next = this.#next(); next !== undefined && next[1].due <= target; next = this.#next()) {
      this.#fire(next);
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** Advances exactly to the next timer and fires it (and any due at the same instant). */
  async runNext(): Promise<boolean> {
    const due = this.nextDue();
    if (due === undefined) return false;
    await this.advanceAsync(due - this.#now);
    return true;
  }

  #target(ms: number): number {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    return this.#now + ms;
  }

  #next(): [TimerHandle, ManualTimer] | undefined {
    let best: [TimerHandle, ManualTimer] | undefined;
    for (const entry of this.#timers) {
      if (best === undefined || entry[1].due < best[1].due) best = entry;
    }
    return best;
  }

  #fire([handle, timer]: [TimerHandle, ManualTimer]): void {
    this.#timers.delete(handle);
    this.#now = timer.due;
    timer.fn();
  }
}

/**
 * Lets every already-queued promise job (and the jobs they queue) run: a macrotask boundary
 * drains the whole microtask queue. Deterministic for code that waits only on promises and on
 * the manual clock.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
