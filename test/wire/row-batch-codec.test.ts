import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowEncoding } from '../../src/wire/gen/laminar/redis/v1/ingest.js';
import {
  BatchDecodeError,
  decodeRows,
  encodeRows,
  jsonPayload,
  jsonRowText,
  wireEncoding,
} from '../../src/wire/row-batch-codec.js';

/** Column names JSON and v8 both keep as plain own properties. */
const column = fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__');
// JSON has one zero: -0 travels as 0 (the only JSON value that does not round trip), so the
// generator writes it as JSON reads it back.
const jsonValue = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const jsonRow = fc.dictionary(column, jsonValue, { maxKeys: 6 });
const v8Value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.bigInt(),
  fc.date({ noInvalidDate: true }),
  fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)),
  fc.double(),
);
const v8Row = fc.dictionary(column, v8Value, { maxKeys: 6 });

describe('row batch codec', () => {
  it('codec — json: rows → payload → rows is the identity for JSON rows (property)', () => {
    fc.assert(
      fc.property(fc.array(jsonRow, { maxLength: 20 }), (rows) => {
        const payload = encodeRows(rows, 'json');
        expect(decodeRows(payload, wireEncoding('json'), rows.length)).toEqual(rows);
      }),
      { numRuns: 200 },
    );
  });

  it('codec — v8: rows with bigint, Date, bytes and any double round trip (property)', () => {
    fc.assert(
      fc.property(fc.array(v8Row, { maxLength: 20 }), (rows) => {
        const payload = encodeRows(rows, 'v8');
        expect(decodeRows(payload, wireEncoding('v8'), rows.length)).toEqual(rows);
      }),
      { numRuns: 200 },
    );
  });

  it('codec — json payloads built from split row texts decode to the same rows as a whole (property)', () => {
    fc.assert(
      fc.property(fc.array(jsonRow, { minLength: 1, maxLength: 20 }), fc.nat(), (rows, cut) => {
        const texts = rows.map((r, i) => jsonRowText(r, i));
        const mid = cut % (rows.length + 1);
        const left = decodeRows(jsonPayload(texts, 0, mid), RowEncoding.ROW_ENCODING_JSON, mid);
        const right = decodeRows(jsonPayload(texts, mid), RowEncoding.ROW_ENCODING_JSON, rows.length - mid);
        expect([...left, ...right]).toEqual(rows);
      }),
    );
  });

  it('codec — json payload bytes are the UTF-8 of the joined texts, whatever the characters (property)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const row = fc.dictionary(text, fc.oneof(text, fc.integer()), { maxKeys: 4 });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 12 }), fc.nat(), fc.nat(), (rows, a, b) => {
        const texts = rows.map((r, i) => jsonRowText(r, i));
        const from = a % (texts.length + 1);
        const to = from + (b % (texts.length - from + 1));
        const want = Buffer.from(`[${texts.slice(from, to).join(',')}]`, 'utf8');
        expect(jsonPayload(texts, from, to).equals(want)).toBe(true);
      }),
      { numRuns: 300 },
    );
    // Each larger than any payload before it (a fresh buffer each time), 4 UTF-8 bytes per 2 units.
    for (const n of [10_000, 100_000, 1_000_000]) {
      const texts = [jsonRowText({ s: '😀'.repeat(n) }, 0), jsonRowText({ s: 'é€' }, 1)];
      expect(jsonPayload(texts).equals(Buffer.from(`[${texts.join(',')}]`, 'utf8'))).toBe(true);
    }
  });

  it('codec — any bytes decode to rows or fail with BatchDecodeError, never another error (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom(RowEncoding.ROW_ENCODING_JSON, RowEncoding.ROW_ENCODING_V8),
        fc.nat(4),
        (bytes, enc, n) => {
          try {
            expect(decodeRows(Buffer.from(bytes), enc, n)).toHaveLength(n);
          } catch (err) {
            expect(err).toBeInstanceOf(BatchDecodeError);
            expect((err as BatchDecodeError).code).toBe('ERR_BAD_BATCH');
          }
        },
      ),
    );
  });

  it('codec — a declared row count that differs is refused', () => {
    const payload = encodeRows([{ a: 1 }, { a: 2 }], 'json');
    expect(() => decodeRows(payload, RowEncoding.ROW_ENCODING_JSON, 3)).toThrow(
      /declares 3 rows, its payload holds 2/,
    );
  });

  it('codec — json refuses bigint (naming the column, suggesting v8), cycles and non-object rows', () => {
    expect(() => jsonRowText({ id: 1, big: 1n }, 4)).toThrow(
      /row 4 of the write: column 'big' holds a bigint.*'v8'/,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => jsonRowText(cyclic, 0)).toThrow(/cannot be encoded as JSON/);
    expect(() => jsonRowText('text', 0)).toThrow(/must be an object \(got a string\)/);
    expect(() => jsonRowText([1], 0)).toThrow(/got an array/);
  });
});
