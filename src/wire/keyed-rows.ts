/**
 * `ROW_ENCODING_KEYED`: rows a producer already encoded into their Redis key, hash field and
 * value with the table's {@link RowEncoder}, so the worker neither parses nor encodes them again
 * (docs/producer.md, "Encodings").
 *
 * ```
 * row      = tag:u8 part(key) [part(field) if tag & 0x08] part(value)
 *          | 0x40 part(reason) part(row JSON)        a row the producer's encoder refused
 *          | 0x80 part(node:v8 serialize(row))      a refused row, as producers before 0x40 sent it
 * part     = length:u32le bytes                       text parts are UTF-8
 * tag bits   0x01 key, 0x02 field, 0x04 value are raw bytes (Buffer), else text
 * ```
 *
 * A row the encoder refuses (null key, a value with no text form…) travels as what the sink needs
 * of it: the encoder's reason and the row's dead-letter JSON ({@link deadLetterRow}). The worker's
 * sink applies the table's `'sink.on_error'` policy to it exactly as `RedisSink.write()` would to
 * the row itself — with the same reason and dead-letter entry, even for rows no encoding carries
 * whole (a function or symbol value, a `toJSON` that throws).
 */
import { deserialize } from 'node:v8';
import '../resp/buffer-internals.js';
import { deadLetterRow } from '../sink/dead-letter.js';
import { FIELD_IS_BYTES, KEY_IS_BYTES, PayloadRow, RefusedRow, VALUE_IS_BYTES } from '../sink/encoded-row.js';
import type { Row, RowEncoder } from '../sink/row-encoder.js';
import { BatchDecodeError, isRowObject, RowEncodingError } from './row-batch-codec.js';

/**
 * A row the producer encoded with its table's {@link RowEncoder}: the Redis key, the hash field
 * (empty for other targets) and the value, as its lane writes them into a keyed payload.
 */
export class EncodedRow {
  constructor(
    readonly key: string | Buffer,
    readonly field: string | Buffer,
    readonly value: string | Buffer,
  ) {}
}

/**
 * A row the producer's encoder refused: the reason, and the row's dead-letter JSON ("" when the
 * table does not dead-letter, which needs no row).
 */
export class RefusedItem {
  constructor(
    readonly reason: string,
    readonly row: string,
  ) {}
}

/** A row as a producer lane takes it: its encoded parts, or why the table refuses it. */
export type KeyedItem = EncodedRow | RefusedItem;

/** The tag's bits for parts that are bytes, which are PayloadRow's flags too. */
const PART_BYTES = KEY_IS_BYTES | FIELD_IS_BYTES | VALUE_IS_BYTES;
const HAS_FIELD = 0x08;
const REFUSED_ROW = 0x40;
const WHOLE_ROW = 0x80;
/** Bytes of a tag and one length. */
const TAG = 1;
const LEN = 4;

/**
 * The item a producer sends for `row`: its encoded parts, or (when `enc` refuses it) the reason
 * and, when `deadLetters` (the table's `'sink.on_error'` is `dead_letter`), the row's dead-letter
 * JSON, for the worker's error policy.
 *
 * @throws RowEncodingError when the row is not an object.
 */
export function keyedItem(enc: RowEncoder, row: Row, index: number, deadLetters = true): KeyedItem {
  if (!isRowObject(row)) throw new RowEncodingError(index, 'a row must be an object');
  // The encoder's field stays '' for tables other than hashes.
  const reason = enc.encode(row);
  if (reason === null) return new EncodedRow(enc.key, enc.field, enc.value);
  return new RefusedItem(reason, deadLetters ? deadLetterRow(row) : '');
}

/**
 * {@link keyedItem} of a retraction the sink applies by key alone (a String's or a per-column
 * Hash's `DEL`): only the key is encoded, so a delete may carry just its key columns, as the
 * sink's changelog rows read it.
 *
 * @throws RowEncodingError when the row is not an object.
 */
export function keyedKeyItem(enc: RowEncoder, row: Row, index: number, deadLetters = true): KeyedItem {
  if (!isRowObject(row)) throw new RowEncodingError(index, 'a row must be an object');
  const reason = enc.encodeKey(row);
  if (reason === null) return new EncodedRow(enc.key, '', '');
  return new RefusedItem(reason, deadLetters ? deadLetterRow(row) : '');
}

/**
 * The refused item for `row` when the table's encoder refuses it, else null (json and v8
 * producers send the rows it takes in their own encoding).
 */
export function refusal(
  enc: RowEncoder,
  row: Row,
  deadLetters: boolean,
  keyOnly = false,
): RefusedItem | null {
  // keyOnly: a retraction the sink applies by key alone (see keyedKeyItem).
  const reason = keyOnly ? enc.encodeKey(row) : enc.encode(row);
  return reason === null ? null : new RefusedItem(reason, deadLetters ? deadLetterRow(row) : '');
}

/**
 * About the bytes an item adds to a payload, for a lane's batch size (exact for ASCII text and
 * bytes; text that is not ASCII takes more).
 */
export function keyedItemSize(item: KeyedItem): number {
  if (!(item instanceof EncodedRow)) return TAG + 2 * LEN + item.reason.length + item.row.length;
  return TAG + 3 * LEN + item.key.length + item.field.length + item.value.length;
}

/** A string takes at most 3 UTF-8 bytes per UTF-16 unit (a surrogate pair: 4 for 2). */
function partBound(p: string | Buffer): number {
  return typeof p === 'string' ? 3 * p.length : p.length;
}

/** Builds one batch payload: a producer lane's open batch, written a call's items at a time. */
export class KeyedBatchWriter {
  /** Rows appended since the last {@link take}. */
  rows = 0;
  #buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  #at = 0;

  /** @param hash the table is a hash: rows carry a field. */
  constructor(readonly hash: boolean) {}

  /** Payload bytes appended since the last {@link take}. */
  get bytes(): number {
    return this.#at;
  }

  /** Appends a row the encoder took (`field` is ignored unless the table is a hash). */
  appendEncoded(key: string | Buffer, field: string | Buffer, value: string | Buffer): void {
    const hash = this.hash;
    this.#ensure(TAG + 3 * LEN + partBound(key) + (hash ? partBound(field) : 0) + partBound(value));
    const buf = this.#buf;
    const tagAt = this.#at;
    let tag = hash ? HAS_FIELD : 0;
    if (typeof key !== 'string') tag |= KEY_IS_BYTES;
    if (typeof value !== 'string') tag |= VALUE_IS_BYTES;
    let at = writePart(buf, tagAt + TAG, key);
    if (hash) {
      if (typeof field !== 'string') tag |= FIELD_IS_BYTES;
      at = writePart(buf, at, field);
    }
    this.#at = writePart(buf, at, value);
    buf[tagAt] = tag;
    this.rows++;
  }

  /** Appends a refused row: the encoder's reason and the row's dead-letter JSON. */
  appendRefused(reason: string, row: string): void {
    this.#ensure(TAG + 2 * LEN + partBound(reason) + partBound(row));
    this.#buf[this.#at] = REFUSED_ROW;
    this.#at = writePart(this.#buf, writePart(this.#buf, this.#at + TAG, reason), row);
    this.rows++;
  }

  appendItem(item: KeyedItem): void {
    if (item instanceof EncodedRow) this.appendEncoded(item.key, item.field, item.value);
    else this.appendRefused(item.reason, item.row);
  }

  /** The payload of the rows appended since the last take, at its exact size; starts afresh. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.#at);
    this.#buf.copy(out, 0, 0, this.#at);
    this.#at = 0;
    this.rows = 0;
    return out;
  }

  #ensure(bytes: number): void {
    const need = this.#at + bytes;
    if (need <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.#buf.length));
    this.#buf.copy(grown, 0, 0, this.#at);
    this.#buf = grown;
  }
}

/** Payload of `items` (tests and tools); `hash`: the table is a hash (rows carry a field). */
export function keyedPayload(items: readonly KeyedItem[], hash: boolean): Buffer {
  const w = new KeyedBatchWriter(hash);
  for (const item of items) w.appendItem(item);
  return w.take();
}

/**
 * Writes a length-prefixed part at `at` (room checked by the caller); returns the offset after
 * it. `utf8Write` skips the argument checks of `write`, which cost as much as the copy here.
 */
function writePart(buf: Buffer, at: number, part: string | Buffer): number {
  const n =
    typeof part === 'string'
      ? part.length === 0
        ? 0
        : buf.utf8Write(part, at + LEN)
      : part.copy(buf, at + LEN);
  buf[at] = n & 255;
  buf[at + 1] = (n >>> 8) & 255;
  buf[at + 2] = (n >>> 16) & 255;
  buf[at + 3] = n >>> 24;
  return at + LEN + n;
}

/**
 * Rows of a `ROW_ENCODING_KEYED` payload: {@link PayloadRow}s over it, {@link RefusedRow}s for
 * the rows the producer's encoder refused (and a whole row as it was written, from a producer that
 * sent refused rows that way).
 *
 * @throws BatchDecodeError for a truncated payload, an unknown tag, a whole row that does not
 *   deserialize to an object, or a row count other than the batch declares. No row data in it.
 */
export function decodeKeyedRows(payload: Uint8Array, expectedRows: number): Row[] {
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  // Every row takes at least a tag and two lengths: a larger count cannot be true.
  if (expectedRows * (TAG + 2 * LEN) > buf.length) throw countError(expectedRows, 'fewer');
  const rows: Row[] = new Array(expectedRows);
  const end = buf.length;
  let at = 0;
  let n = 0;
  while (at < end) {
    if (n === expectedRows) throw countError(expectedRows, `more than ${expectedRows}`);
    const tag = buf[at++];
    if (tag === REFUSED_ROW) {
      const reasonAt = at + LEN;
      at = reasonAt + partLength(buf, at, n);
      const rowAt = at + LEN;
      const rowEnd = rowAt + partLength(buf, at, n);
      rows[n++] = new RefusedRow(buf.utf8Slice(reasonAt, rowAt - LEN), buf.utf8Slice(rowAt, rowEnd));
      at = rowEnd;
      continue;
    }
    if (tag === WHOLE_ROW) {
      const len = partLength(buf, at, n);
      at += LEN;
      let row: unknown;
      try {
        row = deserialize(buf.subarray(at, at + len));
      } catch {
        throw new BatchDecodeError(`row ${n} is not a valid v8 serialization`);
      }
      if (!isRowObject(row)) throw new BatchDecodeError(`row ${n} is not an object`);
      rows[n++] = row;
      at += len;
      continue;
    }
    if ((tag & ~(PART_BYTES | HAS_FIELD)) !== 0) {
      throw new BatchDecodeError(`row ${n} has an unknown tag ${tag}`);
    }
    const keyAt = at + LEN;
    at = keyAt + partLength(buf, at, n);
    const keyEnd = at;
    let fieldAt = 0;
    let fieldEnd = 0;
    if ((tag & HAS_FIELD) !== 0) {
      fieldAt = at + LEN;
      at = fieldAt + partLength(buf, at, n);
      fieldEnd = at;
    }
    const valueAt = at + LEN;
    at = valueAt + partLength(buf, at, n);
    rows[n++] = new PayloadRow(buf, tag & PART_BYTES, keyAt, keyEnd, fieldAt, fieldEnd, valueAt, at);
  }
  if (n !== expectedRows) throw countError(expectedRows, String(n));
  return rows;
}

/** CRC16/XMODEM by byte value, for {@link payloadKeySlot}. */
const CRC16_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/**
 * Hash slot of a keyed row's key, read where it lies in its payload: what `keySlot(row.key)`
 * gives, without making the key a string or a Buffer first (a worker checks every row it takes).
 * The key's bytes are what the encoder sent — UTF-8 for text — and `{`/`}` never occur inside a
 * multi-byte UTF-8 sequence, so the hash tag is cut as keySlot cuts it.
 */
export function payloadKeySlot(row: PayloadRow): number {
  const src = row.src;
  const at = row.keyAt;
  const end = row.keyEnd;
  // One pass over the key, hashing as it looks for a hash tag (keys seldom have one).
  let crc = 0;
  for (let i = at; i < end; i++) {
    const b = src[i];
    if (b === 0x7b /* { */) {
      let close = i + 1;
      while (close < end && src[close] !== 0x7d /* } */) close++;
      return (close < end && close > i + 1 ? crc16(src, i + 1, close) : crc16(src, at, end)) & 16383;
    }
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ b) & 0xff];
  }
  return crc & 16383;
}

/** CRC16/XMODEM of `src[from..to)`. */
function crc16(src: Buffer, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ src[i]) & 0xff];
  return crc;
}

/** Length of the part at `at`, checked to fit the payload. */
function partLength(buf: Buffer, at: number, row: number): number {
  if (at + LEN > buf.length) throw new BatchDecodeError(`row ${row} is truncated`);
  const len = buf.readUInt32LE(at);
  if (at + LEN + len > buf.length) throw new BatchDecodeError(`row ${row} is truncated`);
  return len;
}

function countError(expected: number, got: string): BatchDecodeError {
  return new BatchDecodeError(`the batch declares ${expected} rows, its payload holds ${got}`);
}
