import Denque from 'denque';
import { LaminarError } from '../errors.js';

/** A message was offered to (or awaited from) a mailbox that is closed. */
export class MailboxClosedError extends LaminarError {
  constructor(readonly mailbox: string) {
    super('ERR_MAILBOX_CLOSED', `mailbox ${mailbox} is closed`);
  }
}

interface WaitingSender<T> {
  readonly msg: T;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

interface WaitingTaker<T> {
  readonly resolve: (msg: T) => void;
  readonly reject: (err: unknown) => void;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A bounded FIFO of messages with backpressure, on `denque` (O(1) at both ends).
 *
 * ```
 *   senders (waiting, FIFO)        queue (≤ capacity)            takers (waiting, FIFO)
 *   [s3][s2][s1]  ──take frees──▶  [m5][m4][m3][m2][m1]  ──▶     [t1][t2]
 * ```
 * Invariants, which make delivery order equal acceptance order:
 * - senders wait only while the queue is full: every `take` moves the first waiting sender in;
 * - takers wait only while the queue is empty: every `post`/`send` hands straight to the first.
 * So a `post` can never overtake a waiting `send`: while one waits, the queue is full and `post`
 * returns false.
 *
 * `close()` refuses new messages and rejects waiting senders and takers with
 * {@link MailboxClosedError}; messages already accepted stay takeable, so a consumer can drain
 * them (or drop them with {@link clear}).
 */
export class Mailbox<T> implements AsyncIterable<T> {
  readonly #queue = new Denque<T>();
  readonly #senders = new Denque<WaitingSender<T>>();
  readonly #takers = new Denque<WaitingTaker<T>>();
  #closed = false;

  /**
   * @param capacity most messages held at once (a positive integer, or `Infinity` for an
   *   unbounded mailbox — only for control messages whose number is bounded elsewhere).
   * @param name shown in {@link MailboxClosedError}.
   */
  constructor(
    readonly capacity: number,
    readonly name = 'mailbox',
  ) {
    if (!(capacity === Number.POSITIVE_INFINITY || (Number.isSafeInteger(capacity) && capacity >= 1))) {
      throw new RangeError(`mailbox capacity must be a positive integer or Infinity, got ${capacity}`);
    }
  }

  /** Messages accepted and not yet taken (waiting senders not included). */
  get size(): number {
    return this.#queue.length;
  }

  /** Senders waiting for room. */
  get waitingSenders(): number {
    return this.#senders.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Offers a message without waiting. Returns false when the mailbox is full (the message is not
   * accepted); throws {@link MailboxClosedError} when it is closed.
   */
  post(msg: T): boolean {
    if (this.#closed) throw new MailboxClosedError(this.name);
    if (this.#takers.length > 0) {
      this.#takers.shift()!.resolve(msg);
      return true;
    }
    if (this.#queue.length >= this.capacity) return false;
    this.#queue.push(msg);
    return true;
  }

  /**
   * Delivers a message, waiting while the mailbox is full: the promise resolves when the message
   * is accepted, so awaiting senders are held back by a slow consumer. Waiting senders are
   * admitted in call order. Rejects with {@link MailboxClosedError} when the mailbox is closed
   * before the message is accepted (the message is then not delivered).
   */
  send(msg: T): Promise<void> {
    if (this.#closed) return Promise.reject(new MailboxClosedError(this.name));
    if (this.post(msg)) return RESOLVED;
    return new Promise((resolve, reject) => {
      this.#senders.push({ msg, resolve, reject });
    });
  }

  /**
   * The oldest message; waits while the mailbox is empty. Rejects with {@link MailboxClosedError}
   * once the mailbox is closed and empty.
   */
  take(): Promise<T> {
    if (this.#queue.length > 0) return Promise.resolve(this.takeNow());
    if (this.#closed) return Promise.reject(new MailboxClosedError(this.name));
    return new Promise((resolve, reject) => {
      this.#takers.push({ resolve, reject });
    });
  }

  /** The oldest message, synchronously; throws a RangeError when empty (check {@link size}). */
  takeNow(): T {
    if (this.#queue.length === 0) throw new RangeError(`mailbox ${this.name} is empty`);
    const msg = this.#queue.shift()!;
    if (this.#senders.length > 0) this.#admitSenders();
    return msg;
  }

  /** Removes and returns every accepted message, then admits waiting senders into the room made. */
  clear(): T[] {
    const dropped = this.#queue.toArray();
    this.#queue.clear();
    if (this.#senders.length > 0) this.#admitSenders();
    return dropped;
  }

  /**
   * Refuses further messages. Waiting senders and takers are rejected with
   * {@link MailboxClosedError}; accepted messages remain for `take`. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const err = new MailboxClosedError(this.name);
    while (this.#senders.length > 0) this.#senders.shift()!.reject(err);
    while (this.#takers.length > 0) this.#takers.shift()!.reject(err);
  }

  /** Yields messages in order until the mailbox is closed and drained. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.#queue.length > 0) {
        yield this.takeNow();
        continue;
      }
      if (this.#closed) return;
      try {
        yield await this.take();
      } catch (err) {
        if (err instanceof MailboxClosedError) return;
        throw err;
      }
    }
  }

  #admitSenders(): void {
    while (this.#senders.length > 0 && this.#queue.length < this.capacity) {
      const sender = this.#senders.shift()!;
      this.#queue.push(sender.msg);
      sender.resolve();
    }
  }
}
