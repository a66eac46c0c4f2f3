/**
 * Stream entry IDs (`<ms>-<seq>`) as the data flow needs them: compared without parsing, and
 * turned into a fence partition and a numeric offset that rise with the ID.
 *
 * Offsets are JavaScript numbers (and Lua doubles in the fence script), so at most 2^53 - 1; an ID
 * has two 64-bit parts. The ID's milliseconds are therefore cut into an era (`ms >> 31`, part of
 * the partition name: one era is 24.8 days) and the rest (`ms mod 2^31`), and the offset is
 * `rest * 2^22 + seq`:
 *
 * ```
 *  offset (53 bits) = | ms mod 2^31 (31 bits) | seq (22 bits) |      partition = <stream>#<era>
 * ```
 *
 * Within one partition the offset rises strictly with the ID, which is all the fences need. A
 * sequence number of 2^22 (4 194 304 entries in one millisecond) or more does not fit: such an ID
 * is refused with {@link StreamIdRangeError} rather than folded onto another.
 */

import { LaminarError } from '../../errors.js';

const ERA_BITS = 31;
const SEQ_BITS = 22;
const ERA_SPAN = 2 ** ERA_BITS;
const SEQ_SPAN = 2 ** SEQ_BITS;

/** An entry ID the offsets cannot represent (see the module comment). */
export class StreamIdRangeError extends LaminarError {
  constructor(
    readonly stream: string,
    readonly id: string,
  ) {
    super(
      'ERR_STREAM_ID_RANGE',
      `stream ${stream}: entry ID ${id} is out of range for exactly-once offsets (sequence numbers up to ${SEQ_SPAN - 1}, milliseconds up to ${Number.MAX_SAFE_INTEGER})`,
    );
  }
}

/** Compares two entry IDs (`ms-seq`, decimal, no leading zeros): negative, 0 or positive. */
export function compareIds(a: string, b: string): number {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  return compareDecimal(a.slice(0, da), b.slice(0, db)) || compareDecimal(a.slice(da + 1), b.slice(db + 1));
}

function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True for an explicit entry ID (`ms-seq` or `ms`), as `XGROUP CREATE` takes it. */
export function isEntryId(text: string): boolean {
  return /^(0|[1-9]\d{0,19})(-(0|[1-9]\d{0,19}))?$/.test(text);
}

/** Where an entry's row goes in the fences: its partition (`<base>#<era>`) and offset. */
export interface EntryPlace {
  partition: string;
  offset: number;
}

/**
 * The fence partition and offset of entry `id` of `stream`; `base` names the partition family
 * (the stream key, or a claim round's name).
 *
 * @throws StreamIdRangeError when the ID does not fit (see the module comment).
 */
export function entryPlace(base: string, stream: string, id: string): EntryPlace {
  const places = new EntryPlaces(stream);
  const offset = places.place(base, id);
  return { partition: places.partition, offset };
}

/**
 * {@link entryPlace} for the entries of one channel, read one after another: no object per entry,
 * the ID's digits read in place, and the partition name made again only when the base or the era
 * changes (an era is 24.8 days, so in practice once).
 */
export class EntryPlaces {
  /** Partition of the entry placed last. */
  partition = '';
  readonly #stream: string;
  #base = '';
  #era = -1;

  constructor(stream: string) {
    this.#stream = stream;
  }

  /**
   * The offset of entry `id` in partition family `base`; {@link partition} is its partition then.
   *
   * @throws StreamIdRangeError when the ID does not fit (see the module comment).
   */
  place(base: string, id: string): number {
    const n = id.length;
    // Digits beyond 2^53 round, but never below it: an ID that big is refused either way.
    let ms = 0;
    let i = 0;
    for (; i < n; i++) {
      const d = id.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      ms = ms * 10 + d;
    }
    let seq = 0;
    let j = i + 1;
    const dashed = i > 0 && i < n && id.charCodeAt(i) === 45; /* - */
    for (; j < n; j++) {
      const d = id.charCodeAt(j) - 48;
      if (d < 0 || d > 9) break;
      seq = seq * 10 + d;
    }
    if (!dashed || j === i + 1 || j < n || !Number.isSafeInteger(ms) || !(seq < SEQ_SPAN))
      throw new StreamIdRangeError(this.#stream, id);
    const era = Math.floor(ms / ERA_SPAN);
    if (era !== this.#era || base !== this.#base) {
      this.#era = era;
      this.#base = base;
      this.partition = `${base}#${era}`;
    }
    return (ms - era * ERA_SPAN) * SEQ_SPAN + seq;
  }
}
