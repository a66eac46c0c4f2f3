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
  const dash = id.indexOf('-');
  const ms = Number(id.slice(0, dash));
  const seq = Number(id.slice(dash + 1));
  if (!Number.isSafeInteger(ms) || !(seq < SEQ_SPAN)) throw new StreamIdRangeError(stream, id);
  const era = Math.floor(ms / ERA_SPAN);
  return { partition: `${base}#${era}`, offset: (ms - era * ERA_SPAN) * SEQ_SPAN + seq };
}
