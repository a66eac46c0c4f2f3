import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Column } from '../../src/schema/sql-type.js';
import { attachWireJson, WIRE_JSON } from '../../src/sink/json-row.js';
import type { SinkTable } from '../../src/sink/model.js';
import { type Row, RowEncoder } from '../../src/sink/row-encoder.js';
import { RowEncoding } from '../../src/wire/gen/laminar/redis/v1/ingest.js';
import {
  BatchDecodeError,
  decodeRows,
  jsonLinesPayload,
  jsonRowText,
} from '../../src/wire/row-batch-codec.js';
import { table } from '../support/sink.js';

const column = fc.constantFrom('id', 'a', 'b', 'c', '1', '__proto__', 'é');
// What a worker parses: JSON data (numbers of every magnitude, nested objects and arrays).
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e21, -1e21, 1e-7, 5e-324, 0, 123.456, '\n', '\u2028', '\ud800'),
);
const row = fc
  .dictionary(column, value, { maxKeys: 5 })
  .map((r) => ({ id: 'k', ...r }))
  .map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);

const schemaOf = (names: string[]): Column[] =>
  names.map((name) => ({ name, type: 'string', nullable: true }) as unknown as Column);
const tables: SinkTable[] = [
  table({ type: 'string', keyPrefix: 'u:', keyColumn: 'id' }),
  table({ type: 'string', keyPrefix: 'u:', keyColumn: 'id' }, { schema: schemaOf(['id', 'a', 'b']) }),
  table({ type: 'string', keyPrefix: 'u:', keyColumn: 'id' }, { schema: schemaOf(['b', 'id', 'a']) }),
  table({ type: 'hash', hashKeyPrefix: 'h:', hashKeyColumn: 'id', hashFieldColumn: 'id' }),
  table({ type: 'string', keyPrefix: 'u:', keyColumn: 'id' }, { format: 'raw', valueColumn: 'a' }),
];

const linesOf = (rows: object[]) => jsonLinesPayload(rows.map((r, i) => jsonRowText(r, i)));

function encoded(enc: RowEncoder, r: Row): unknown[] {
  const reason = enc.encode(r);
  return [reason, enc.key, enc.field, enc.value];
}

describe('wire JSON text of ingested rows', () => {
  it('wire json — a sink encodes rows carrying their wire text exactly as the same rows without it (property)', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 10 }), (rows) => {
        const wire = decodeRows(linesOf(rows), RowEncoding.ROW_ENCODING_JSON_LINES, rows.length);
        const plain = decodeRows(
          Buffer.from(JSON.stringify(rows)),
          RowEncoding.ROW_ENCODING_JSON,
          rows.length,
        );
        for (let i = 0; i < rows.length; i++) {
          expect(typeof (wire[i] as Record<symbol, unknown>)[WIRE_JSON]).toBe('string');
          expect((plain[i] as Record<symbol, unknown>)[WIRE_JSON]).toBeUndefined();
          expect(JSON.stringify(wire[i])).toBe(JSON.stringify(plain[i]));
          expect(Object.keys(wire[i])).toEqual(Object.keys(plain[i]));
        }
        for (const t of tables) {
          const a = new RowEncoder(t);
          const b = new RowEncoder(t);
          for (let i = 0; i < rows.length; i++) expect(encoded(a, wire[i])).toEqual(encoded(b, plain[i]));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('wire json — the text is used only where the sink would write JSON.stringify(row), and copies do not carry it', () => {
    const enc = new RowEncoder(table({ type: 'string', keyPrefix: 'u:', keyColumn: 'id' }));
    const r: Record<string, unknown> = { id: 'x', n: 1 };
    attachWireJson(r, '{"id":"x","n":1}');
    expect(JSON.stringify(r)).toBe('{"id":"x","n":1}');
    // A marker text shows whether the sink took it.
    const marked = (o: Record<string, unknown>) => {
      attachWireJson(o, '{"marker":true}');
      return o;
    };
    expect(encoded(enc, marked({ id: 'x', n: 1 }))[3]).toBe('{"marker":true}');
    expect(encoded(enc, marked({ id: 'x', d: new Date(0) }))[3]).toBe(
      '{"id":"x","d":"1970-01-01T00:00:00.000Z"}',
    );
    expect(encoded(enc, marked({ id: 'x', n: 1e21 }))[3]).not.toBe('{"marker":true}');
    expect(encoded(enc, marked({ id: 'x', b: 1n }))[3]).toBe('{"id":"x","b":1}');
    const ordered = new RowEncoder(
      table({ type: 'string', keyPrefix: 'u:', keyColumn: 'id' }, { schema: schemaOf(['n', 'id']) }),
    );
    expect(encoded(ordered, marked({ id: 'x', n: 'y' }))[3]).toBe('{"n":"y","id":"x"}');
    const raw = new RowEncoder(
      table({ type: 'string', keyPrefix: 'u:', keyColumn: 'id' }, { format: 'raw', valueColumn: 'n' }),
    );
    expect(encoded(raw, marked({ id: 'x', n: 'y' }))[3]).toBe('y');
    const copy = { ...marked({ id: 'x', n: 1 }), m: 2 };
    expect((copy as Record<symbol, unknown>)[WIRE_JSON]).toBeUndefined();
    expect(encoded(enc, copy)[3]).toBe('{"id":"x","n":1,"m":2}');
  });

  it('wire json — json-lines payloads with a wrong row count or a bad line are refused', () => {
    const payload = linesOf([{ a: 1 }, { a: 2 }]);
    expect(payload.toString()).toBe('{"a":1}\n{"a":2}');
    expect(decodeRows(Buffer.alloc(0), RowEncoding.ROW_ENCODING_JSON_LINES, 0)).toEqual([]);
    expect(() => decodeRows(Buffer.alloc(0), RowEncoding.ROW_ENCODING_JSON_LINES, 1)).toThrow(
      BatchDecodeError,
    );
    expect(() => decodeRows(payload, RowEncoding.ROW_ENCODING_JSON_LINES, 3)).toThrow(/declares 3 rows/);
    expect(() => decodeRows(Buffer.from('{"a":1}\n[1]'), RowEncoding.ROW_ENCODING_JSON_LINES, 2)).toThrow(
      /row 1 is an array/,
    );
    expect(() => decodeRows(Buffer.from('{"a":1}\n{'), RowEncoding.ROW_ENCODING_JSON_LINES, 2)).toThrow(
      /row 1 is not valid JSON/,
    );
  });
});
