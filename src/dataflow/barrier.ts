import { LaminarError } from '../errors.js';

/** A checkpoint barrier: flows through every channel in line with the rows. */
export interface Barrier {
  readonly id: number;
}

/** A barrier arrived out of order (another id than the one being aligned, or twice on an input). */
export class BarrierOrderError extends LaminarError {
  constructor(message: string) {
    super('ERR_BARRIER_ORDER', message);
  }
}

/**
 * Barrier alignment of one shard over its inputs (the channels feeding its table).
 *
 * ```
 *   input a: ─ r r r |N| ░░░░░░ held ░░░░░░ ─┐
 *   input b: ─ r r r r r r |N| ─ (last: aligned) → flush, WAIT, ack → release → a, b flow again
 * ```
 *
 * Two sides, because a barrier is enqueued before it is processed:
 * - the sender side: {@link admit} before each message of an input (waits while the input is
 *   held) and {@link hold} as soon as the input's barrier N is enqueued, so no row after the
 *   barrier enters the mailbox until the shard has completed N — which keeps memory bounded to
 *   one waiting message per input;
 * - the processing side: {@link arrive} when the barrier is taken from the mailbox, in order after
 *   every row before it; true when it was the last input, i.e. everything before barrier N from
 *   every input has been handled. Then the shard flushes, acks, and calls {@link release}.
 */
export class BarrierAlignment {
  readonly inputs: ReadonlySet<string>;
  /** Barrier being aligned, or undefined between checkpoints. */
  #current: number | undefined;
  readonly #arrived = new Set<string>();
  readonly #held = new Set<string>();
  #released: Promise<void> | null = null;
  #release: (() => void) | null = null;

  constructor(inputs: Iterable<string>) {
    this.inputs = new Set(inputs);
    if (this.inputs.size === 0) throw new RangeError('a shard needs at least one input');
  }

  /** Barrier being aligned, if any. */
  get current(): number | undefined {
    return this.#current;
  }

  /** Inputs whose barrier has been enqueued and that are held until {@link release}. */
  get held(): ReadonlySet<string> {
    return this.#held;
  }

  isHeld(input: string): boolean {
    return this.#held.has(input);
  }

  /** Resolves when `input` may send its next message; `undefined` (no wait) when it is not held. */
  admit(input: string): Promise<void> | undefined {
    if (!this.#held.has(input)) return undefined;
    this.#released ??= new Promise<void>((resolve) => {
      this.#release = resolve;
    });
    return this.#released;
  }

  /** Sender side: barrier `id` of `input` was enqueued; `input` is held from now on. */
  hold(input: string, id: number): void {
    this.#check(input, id);
    if (this.#held.has(input)) throw new BarrierOrderError(`input ${input} sent barrier ${id} twice`);
    this.#current ??= id;
    if (id !== this.#current) {
      throw new BarrierOrderError(
        `input ${input} sent barrier ${id} while barrier ${this.#current} is aligning`,
      );
    }
    this.#held.add(input);
  }

  /** Processing side: barrier `id` of `input` was taken in order. True when all inputs have it. */
  arrive(input: string, id: number): boolean {
    this.#check(input, id);
    if (id !== this.#current || !this.#held.has(input) || this.#arrived.has(input)) {
      throw new BarrierOrderError(`barrier ${id} of ${input} arrived out of order`);
    }
    this.#arrived.add(input);
    return this.#arrived.size === this.inputs.size;
  }

  /** The current barrier is complete: every input flows again. */
  release(): void {
    this.#current = undefined;
    this.#arrived.clear();
    this.#held.clear();
    const release = this.#release;
    this.#released = null;
    this.#release = null;
    release?.();
  }

  #check(input: string, id: number): void {
    if (!this.inputs.has(input)) throw new BarrierOrderError(`barrier ${id} from unknown input ${input}`);
  }
}
