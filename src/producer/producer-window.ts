/**
 * The producer's window: rows written but not yet acknowledged durable. `write()` waits while it
 * is full, which is how a stalled Redis (no checkpoints, no acks) slows the producer down.
 */
export class RowWindow {
  readonly #max: number;
  #rows = 0;
  /** Writers waiting for room: one entry per waiting `write()` call, never per row. */
  #waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  #failure: unknown = null;

  constructor(maxRows: number) {
    this.#max = maxRows;
  }

  /** Rows in the window. */
  get rows(): number {
    return this.#rows;
  }

  get full(): boolean {
    return this.#rows >= this.#max;
  }

  take(rows: number): void {
    this.#rows += rows;
  }

  /** Acknowledged rows leave the window; waiting writers go on once there is room. */
  release(rows: number): void {
    this.#rows -= rows;
    if (this.#rows < this.#max && this.#waiters.length > 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w.resolve();
    }
  }

  /** Resolves once the window has room (at once if it has); rejects after {@link fail}. */
  room(): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (!this.full) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Rejects every waiting and later {@link room} call with `err`. */
  fail(err: unknown): void {
    if (this.#failure !== null) return;
    this.#failure = err;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(err);
  }
}
