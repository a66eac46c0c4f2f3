/**
 * Payload of an Ingest `RowBatch`: how producers encode rows and workers decode them.
 *
 * | encoding | payload                                   | carries exactly                     |
 * |----------|-------------------------------------------|-------------------------------------|
 * | `json`   | UTF-8 JSON texts of row objects, one per line (`ROW_ENCODING_JSON_LINES`; a JSON array of them, `ROW_ENCODING_JSON`, is still read) | strings, numbers, booleans, null, nested JSON; Date becomes its ISO text |
 * | `v8`     | `node:v8` `serialize()` of an array of rows | also bigint, Date, Buffer/Uint8Array, Map, Set |
 *
 * Errors name the row's index and the problem, never a value: rows may hold anything.
 */

import { deserialize, serialize } from 'node:v8';
import { LaminarError } from '../errors.js';
import { attachWireJson } from '../sink/json-row.js';
import type { Row } from '../sink/row-encoder.js';
import { RowEncoding } from './gen/laminar/redis/v1/ingest.js';

/**
 * Row encodings a producer can choose. `keyed`: the producer encodes each row into its Redis key,
 * field and value with the table's model (keyed-rows.ts); json where the destination has no model.
 */
export type RowEncodingName = 'keyed' | 'json' | 'v8';

/** The wire enum of a row encoding (json and v8 carry rows; see {@link laneEncoding}). */
export function wireEncoding(name: 'json' | 'v8'): RowEncoding {
  return name === 'json' ? RowEncoding.ROW_ENCODING_JSON : RowEncoding.ROW_ENCODING_V8;
}

/**
 * The wire enum a producer lane sends for an encoding: JSON rows go as JSON lines
 * ({@link jsonLinesPayload}), whose texts the worker can write as they are.
 */
export function laneEncoding(name: RowEncodingName): RowEncoding {
  if (name === 'keyed') return RowEncoding.ROW_ENCODING_KEYED;
  return name === 'json' ? RowEncoding.ROW_ENCODING_JSON_LINES : RowEncoding.ROW_ENCODING_V8;
}

/** A row cannot be encoded with the producer's encoding (bigint or bytes in JSON, a function in v8). */
export class RowEncodingError extends LaminarError {
  constructor(
    /** Index of the row in the write call (-1 when unknown). */
    readonly index: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('ERR_ROW_ENCODING', index >= 0 ? `row ${index} of the write: ${reason}` : reason, options);
  }
}

/** A batch payload that does not decode to what the batch declares. */
export class BatchDecodeError extends LaminarError {
  constructor(reason: string) {
    super('ERR_BAD_BATCH', `malformed row batch: ${reason}`);
  }
}

/** True for a value a row may be: a non-null, non-array object. */
export function isRowObject(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON text of one row. The producer encodes each row when it is written, so a row JSON cannot
 * carry rejects its own `write()` call instead of failing a batch later.
 *
 * @throws RowEncodingError for a non-object row, a bigint anywhere in it, or a cycle.
 */
export function jsonRowText(row: unknown, index: number): string {
  if (!isRowObject(row)) throw new RowEncodingError(index, `a row must be an object (got ${kindOf(row)})`);
  let out: string | undefined;
  try {
    out = JSON.stringify(row);
  } catch (err) {
    const bigint = err instanceof TypeError && /bigint/i.test(err.message);
    throw new RowEncodingError(
      index,
      bigint
        ? `column '${bigintColumn(row) ?? '?'}' holds a bigint, which JSON cannot carry exactly; ` +
            "create the producer with encoding: 'v8' (or convert the value to a string)"
        : 'the row cannot be encoded as JSON (a cycle?)',
      { cause: err },
    );
  }
  // A row whose toJSON() returns a non-object would decode as something other than a row.
  if (typeof out !== 'string' || out.charCodeAt(0) !== 123 /* { */) {
    throw new RowEncodingError(index, 'the row does not encode to a JSON object');
  }
  return out;
}

/** Largest scratch buffer {@link jsonPayload} keeps between calls; larger payloads get their own. */
const MAX_SCRATCH_BYTES = 4 * 1024 * 1024;
let scratch = Buffer.allocUnsafe(0);

/** `ROW_ENCODING_JSON` payload (a JSON array) of rows `texts[from..to)` (JSON texts from {@link jsonRowText}). */
export function jsonPayload(texts: readonly string[], from = 0, to = texts.length): Buffer {
  return joinTexts(texts, from, to, 0x5b /* [ */, 0x2c /* , */, 0x5d /* ] */);
}

/**
 * `ROW_ENCODING_JSON_LINES` payload of rows `texts[from..to)` (JSON texts from {@link jsonRowText}):
 * the texts separated by newlines, which JSON.stringify never emits raw. The worker keeps each
 * row's text and writes it as the row's JSON value when that is what it would encode.
 */
export function jsonLinesPayload(texts: readonly string[], from = 0, to = texts.length): Buffer {
  return joinTexts(texts, from, to, -1, 0x0a /* \n */, -1);
}

/** `texts[from..to)` in UTF-8, separated by byte `sep`, between bytes `open` and `close` (-1: none). */
function joinTexts(
  texts: readonly string[],
  from: number,
  to: number,
  open: number,
  sep: number,
  close: number,
): Buffer {
  // Each text is written straight into one buffer, then copied out at its exact size: joining
  // the texts into one large string and encoding that costs several times as much for batches of
  // thousands of rows (docs/benchmarks.md, "Figures behind design decisions"). A UTF-16 unit
  // takes at most 3 UTF-8 bytes (a surrogate pair, 2 units, takes 4), so `3 × units` bytes always
  // fit and no write is cut short.
  let units = to > from ? to - from + 1 : 2; // brackets and commas
  for (let i = from; i < to; i++) units += texts[i].length;
  const need = 3 * units;
  let buf = scratch;
  if (buf.length < need) {
    buf = Buffer.allocUnsafe(need);
    if (need <= MAX_SCRATCH_BYTES) scratch = buf;
  }
  let at = 0;
  if (open >= 0) buf[at++] = open;
  for (let i = from; i < to; i++) {
    if (i > from) buf[at++] = sep;
    at += buf.write(texts[i], at, 'utf8');
  }
  if (close >= 0) buf[at++] = close;
  return Buffer.from(buf.subarray(0, at));
}

/**
 * `node:v8` payload of rows `rows[from..to)`.
 *
 * @throws RowEncodingError when a row holds a value structured clone cannot carry (function, symbol).
 */
export function v8Payload(rows: readonly Row[], from = 0, to = rows.length): Buffer {
  try {
    return serialize(from === 0 && to === rows.length ? rows : rows.slice(from, to));
  } catch (err) {
    throw new RowEncodingError(
      -1,
      `a row of the batch cannot be encoded with v8 serialize (${(err as Error).name}: functions and symbols are not rows)`,
      { cause: err },
    );
  }
}

/** Payload of `rows` in `encoding` (tests and tools; the producer encodes incrementally). */
export function encodeRows(rows: readonly Row[], encoding: 'json' | 'v8'): Buffer {
  if (encoding === 'v8') return v8Payload(rows);
  return jsonPayload(rows.map((r, i) => jsonRowText(r, i)));
}

/**
 * Rows of a batch payload, checked against the batch's declared row count.
 *
 * @throws BatchDecodeError (`ERR_BAD_BATCH`): undecodable payload, not an array, an element that
 *   is not an object, a count that differs, an unknown encoding. The message holds no row data.
 */
export function decodeRows(payload: Uint8Array, encoding: RowEncoding, expectedRows: number): Row[] {
  if (encoding === RowEncoding.ROW_ENCODING_JSON_LINES) return decodeJsonLines(payload, expectedRows);
  let value: unknown;
  if (encoding === RowEncoding.ROW_ENCODING_JSON) {
    try {
      value = JSON.parse(
        Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'),
      );
    } catch {
      throw new BatchDecodeError('the payload is not valid JSON');
    }
  } else if (encoding === RowEncoding.ROW_ENCODING_V8) {
    try {
      value = deserialize(payload);
    } catch {
      throw new BatchDecodeError('the payload is not a valid v8 serialization');
    }
  } else {
    throw new BatchDecodeError(`unknown row encoding ${encoding}`);
  }
  if (!Array.isArray(value))
    throw new BatchDecodeError(`the payload is ${kindOf(value)}, not an array of rows`);
  if (value.length !== expectedRows) {
    throw new BatchDecodeError(`the batch declares ${expectedRows} rows, its payload holds ${value.length}`);
  }
  for (let i = 0; i < value.length; i++) {
    if (!isRowObject(value[i])) throw new BatchDecodeError(`row ${i} is ${kindOf(value[i])}, not an object`);
  }
  return value as Row[];
}

/**
 * Rows of a `ROW_ENCODING_JSON_LINES` payload, each carrying its line as its wire JSON text
 * ({@link attachWireJson}), so the sink need not encode it again.
 */
function decodeJsonLines(payload: Uint8Array, expectedRows: number): Row[] {
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  if (text.length === 0) {
    if (expectedRows === 0) return [];
    throw new BatchDecodeError(`the batch declares ${expectedRows} rows, its payload holds 0`);
  }
  const lines = text.split('\n');
  if (lines.length !== expectedRows) {
    throw new BatchDecodeError(`the batch declares ${expectedRows} rows, its payload holds ${lines.length}`);
  }
  const rows: Row[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new BatchDecodeError(`row ${i} is not valid JSON`);
    }
    if (!isRowObject(value)) throw new BatchDecodeError(`row ${i} is ${kindOf(value)}, not an object`);
    // Only a text with nothing around the object can be what JSON.stringify gave for it.
    if (line.charCodeAt(line.length - 1) === 125 /* } */ && line.charCodeAt(0) === 123 /* { */) {
      attachWireJson(value, line);
    }
    rows[i] = value;
  }
  return rows;
}

/** The type of a value, for messages (never the value). */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** Name of a top-level column holding a bigint (the usual culprit), for the error message. */
function bigintColumn(row: Row): string | undefined {
  for (const [k, v] of Object.entries(row)) if (typeof v === 'bigint') return k;
  return undefined;
}
