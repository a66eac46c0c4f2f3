import '../../resp/buffer-internals.js';

/**
 * The values of a fenced flush's rows as UTF-8 bytes, one after the other in one buffer: copied
 * when a row is added, so that its string dies young instead of living on in the batch and in the
 * script call's arguments until the reply (copying them out of the young generation was the
 * largest client cost of fenced lists). The script call takes each row's bytes from here.
 *
 * The buffer only grows while rows are added; once a call is encoded it may hold it by reference
 * (a large value), so a flush's values are never written again.
 */
export class ValueBytes {
  #buf: Buffer;
  #pos = 0;
  /** Per row: where its bytes end (they start where the row before it ends). */
  readonly #ends: number[] = [];

  /** @param initialBytes room at first: the last flush's size, so that most flushes never grow. */
  constructor(initialBytes = 64 * 1024) {
    this.#buf = Buffer.allocUnsafeSlow(initialBytes);
  }

  get buffer(): Buffer {
    return this.#buf;
  }

  /** Bytes held. */
  get length(): number {
    return this.#pos;
  }

  /** Adds a row's value: text (as UTF-8) or bytes, copied now. */
  add(v: string | Uint8Array): void {
    if (typeof v === 'string') {
      // At most 3 UTF-8 bytes per UTF-16 unit.
      this.#ensure(3 * v.length);
      this.#pos += this.#buf.utf8Write(v, this.#pos);
    } else {
      this.#ensure(v.byteLength);
      this.#buf.set(v, this.#pos);
      this.#pos += v.byteLength;
    }
    this.#ends.push(this.#pos);
  }

  /** Where row `r`'s bytes start. */
  start(r: number): number {
    return r === 0 ? 0 : this.#ends[r - 1];
  }

  /** Where row `r`'s bytes end. */
  end(r: number): number {
    return this.#ends[r];
  }

  #ensure(bytes: number): void {
    if (this.#pos + bytes <= this.#buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.#buf.length, this.#pos + bytes));
    this.#buf.copy(grown, 0, 0, this.#pos);
    this.#buf = grown;
  }
}
