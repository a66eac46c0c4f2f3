import '../resp/buffer-internals.js';

/** {@link PayloadRow} flags: the part is raw bytes (a Buffer), else UTF-8 text. */
export const KEY_IS_BYTES = 0x01;
export const FIELD_IS_BYTES = 0x02;
export const VALUE_IS_BYTES = 0x04;

/**
 * A row a producer already encoded with its table's {@link RowEncoder} (`ROW_ENCODING_KEYED`), as
 * a worker receives it: where its Redis key, hash field (empty for other targets) and value lie in
 * the batch payload, not the parts themselves. A string table's sink on standalone Redis copies the bytes straight into its
 * pipeline (no strings, no command arrays per row: the distributed path's largest cost after
 * JSON); every other path reads the parts as text or bytes, as the producer's encoder made them.
 *
 * Internal: only the worker's batch decoder creates them, after checking every range lies in the
 * payload. The payload must not change while its rows live.
 */
export class PayloadRow {
  constructor(
    readonly src: Buffer,
    /** {@link KEY_IS_BYTES} | {@link FIELD_IS_BYTES} | {@link VALUE_IS_BYTES}. */
    readonly flags: number,
    readonly keyAt: number,
    readonly keyEnd: number,
    /** Both 0 when the table is not a hash. */
    readonly fieldAt: number,
    readonly fieldEnd: number,
    readonly valueAt: number,
    readonly valueEnd: number,
  ) {}

  get key(): string | Buffer {
    return this.#part(this.keyAt, this.keyEnd, KEY_IS_BYTES);
  }

  get field(): string | Buffer {
    return this.#part(this.fieldAt, this.fieldEnd, FIELD_IS_BYTES);
  }

  get value(): string | Buffer {
    return this.#part(this.valueAt, this.valueEnd, VALUE_IS_BYTES);
  }

  /** Bytes of the key, field and value. */
  get size(): number {
    return this.keyEnd - this.keyAt + (this.fieldEnd - this.fieldAt) + (this.valueEnd - this.valueAt);
  }

  #part(at: number, end: number, bytes: number): string | Buffer {
    if ((this.flags & bytes) !== 0) return this.src.subarray(at, end);
    return at === end ? '' : this.src.utf8Slice(at, end);
  }
}

/**
 * A row a producer's encoder refused (`ROW_ENCODING_KEYED`), as a worker receives it: why, and
 * the row's dead-letter JSON text. The row itself may hold what no encoding carries (a function,
 * a symbol, a `toJSON` that throws), so the producer sends what the sink would make of it: the
 * table's encoder reports `reason` for it, and `'sink.on_error'` decides as for any bad row. It
 * has no columns: a router sends it where a row without a key goes.
 *
 * Internal: only the worker's batch decoder creates them.
 */
export class RefusedRow {
  constructor(
    /** What the table's encoder said of the row, on the producer. */
    readonly reason: string,
    /** The row as `deadLetterRow` wrote it; "" when the table does not dead-letter. */
    readonly row: string,
  ) {}
}
