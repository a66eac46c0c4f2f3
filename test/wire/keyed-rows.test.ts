import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotRouter } from '../../src/plan/router.js';
import { keySlot } from '../../src/resp/cluster/key-slot.js';
import { defineTable } from '../../src/sink/config/validate-model.js';
import { deadLetterRow } from '../../src/sink/dead-letter.js';
import { PayloadRow, RefusedRow } from '../../src/sink/encoded-row.js';
import type { SinkTable, Target } from '../../src/sink/model.js';
import { type Row, RowEncoder } from '../../src/sink/row-encoder.js';
import {
  decodeKeyedRows,
  EncodedRow,
  KeyedBatchWriter,
  type KeyedItem,
  keyedItem,
  keyedPayload,
  payloadKeySlot,
  RefusedItem,
} from '../../src/wire/keyed-rows.js';
import { BatchDecodeError } from '../../src/wire/row-batch-codec.js';

const bytesOf = (p: string | Buffer) => Buffer.from(p as string);
const part = fc.oneof(
  fc.string({ maxLength: 12, unit: 'grapheme' }),
  fc.string({ maxLength: 12, unit: 'binary' }), // lone surrogates: written as U+FFFD either way
  fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)),
);
const wholeRow = fc.dictionary(
  fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'),
  fc.oneof(
    fc.jsonValue({ maxDepth: 1 }),
    fc.bigInt(),
    fc.uint8Array({ maxLength: 4 }).map((a) => Buffer.from(a)),
  ),
  { maxKeys: 4 },
);

/** A table of each target type and format, keyed on column k (hash field f, raw value v). */
const tableArb: fc.Arbitrary<SinkTable> = fc
  .tuple(
    fc.constantFrom('string', 'list', 'hash'),
    fc.constantFrom('json' as const, 'raw' as const),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([type, format, keyed, schema]) => {
    const keyColumn = keyed ? 'k' : undefined;
    const target: Target =
      type === 'string'
        ? { type, keyPrefix: 's:', keyColumn }
        : type === 'list'
          ? { type, listPrefix: 'l:', listKeyColumn: keyColumn, operation: 'Append' }
          : { type, hashKeyPrefix: 'h:', hashKeyColumn: keyColumn, hashFieldColumn: 'f' };
    return defineTable({
      name: 't',
      profile: { name: 'p', connection: { kind: 'standalone', address: 'redis://127.0.0.1:1' } },
      target,
      format,
      // Raw: exactly one column besides the key and field columns, the value.
      ...(format === 'raw'
        ? { schema: [...(keyed ? ['k'] : []), ...(type === 'hash' ? ['f'] : []), 'v'].map(text) }
        : schema
          ? { schema: ['k', 'f', 'v', 'n'].map(text) }
          : {}),
    } as Parameters<typeof defineTable>[0]);
  });
const text = (name: string) => ({ name, type: 'TEXT' });
const cell = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.bigInt(),
  fc.constant(null),
  fc.constant(undefined),
  fc.double(),
  fc.uint8Array({ maxLength: 4 }).map((a) => Buffer.from(a)),
  fc.date(),
);
const rowArb: fc.Arbitrary<Row> = fc.record({ k: cell, f: cell, v: cell, n: cell }, { requiredKeys: [] });

describe('keyed rows (ROW_ENCODING_KEYED)', () => {
  it('keyed — parts → payload → parts keep every byte; refused rows keep their reason and dead-letter row (property)', () => {
    const itemArb: fc.Arbitrary<KeyedItem> = fc.oneof(
      fc.tuple(part, part, part).map(([k, f, v]) => new EncodedRow(k, f, v)),
      wholeRow.map((r) => keyedItem(new RowEncoder(hashNoKey), r, 0)),
    );
    fc.assert(
      fc.property(fc.array(itemArb, { maxLength: 30 }), fc.boolean(), (items, hash) => {
        const rows = decodeKeyedRows(keyedPayload(items, hash), items.length);
        expect(rows).toHaveLength(items.length);
        items.forEach((item, i) => {
          const got = rows[i];
          if (!(item instanceof EncodedRow)) {
            expect(got).toEqual(new RefusedRow(item.reason, item.row));
            return;
          }
          expect(got).toBeInstanceOf(PayloadRow);
          const e = got as PayloadRow;
          expect(bytesOf(e.key)).toEqual(bytesOf(item.key));
          expect(bytesOf(e.field)).toEqual(hash ? bytesOf(item.field) : Buffer.alloc(0));
          expect(bytesOf(e.value)).toEqual(bytesOf(item.value));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('keyed — what the worker writes for a keyed row is what it writes for the row itself, on the same shard (property)', () => {
    fc.assert(
      fc.property(
        tableArb,
        fc.array(rowArb, { maxLength: 20 }),
        fc.integer({ min: 1, max: 8 }),
        (table, rows, shards) => {
          const hash = table.target.type === 'hash';
          const producer = new RowEncoder(table);
          const items = rows.map((r, i) => keyedItem(producer, r, i));
          const decoded = decodeKeyedRows(keyedPayload(items, hash), rows.length);
          const worker = new RowEncoder(table);
          const direct = new RowEncoder(table);
          const router = new SlotRouter(table, shards);
          rows.forEach((row, i) => {
            const want = direct.encode(row);
            expect(worker.encode(decoded[i])).toBe(want);
            if (want !== null) {
              // Refused: the sink sees the reason and dead-letters the row as it would the row
              // itself; a router sends it where it sends a row without a key.
              expect(decoded[i]).toEqual(new RefusedRow(want, deadLetterRow(row)));
              expect(router.shardOf(decoded[i])).toBe(router.shardOf({}));
              return;
            }
            expect(router.shardOf(decoded[i])).toBe(router.shardOf(row));
            expect(bytesOf(worker.key)).toEqual(bytesOf(direct.key));
            if (hash) expect(bytesOf(worker.field)).toEqual(bytesOf(direct.field));
            expect(bytesOf(worker.value)).toEqual(bytesOf(direct.value));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keyed — a truncated or corrupted payload, or a wrong row count, is a BatchDecodeError (property)', () => {
    const items: KeyedItem[] = [
      new EncodedRow('k:1', 'f', '{"a":1}'),
      new EncodedRow(Buffer.from([1, 2]), '', 'v'),
    ];
    const whole = keyedPayload(items, true);
    expect(() => decodeKeyedRows(whole, 3)).toThrow(BatchDecodeError);
    expect(() => decodeKeyedRows(whole, 1)).toThrow(/declares 1 rows, its payload holds more than 1/);
    expect(() => decodeKeyedRows(Buffer.from([0x20, 0, 0, 0, 0, 0, 0, 0, 0]), 1)).toThrow(/unknown tag 32/);
    expect(() => decodeKeyedRows(Buffer.alloc(0), 4_000_000_000)).toThrow(BatchDecodeError);
    fc.assert(
      fc.property(fc.nat(whole.length - 1), (cut) => {
        expect(() => decodeKeyedRows(whole.subarray(0, cut), 2)).toThrow(BatchDecodeError);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(5), (bytes, n) => {
        try {
          decodeKeyedRows(bytes, n);
        } catch (err) {
          expect(err).toBeInstanceOf(BatchDecodeError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keyed — a refused row holding what no encoding carries arrives with its reason and whole dead-letter row; a non-object is refused at the producer', () => {
    const enc = new RowEncoder(hashNoKey);
    const deep: Record<string, unknown> = {};
    let d = deep;
    for (let i = 0; i < 20_000; i++) d = d.a = {};
    const rows: Row[] = [
      { f: null, fn: () => 1, big: 2n ** 70n, s: 'x' },
      { f: 'ok', sym: Symbol('s'), n: 1 },
      { f: 'deep', deep, n: 2 },
      {
        f: 'throws',
        t: {
          toJSON: () => {
            throw new Error('secret');
          },
        },
        n: 3,
      },
    ];
    const got = decodeKeyedRows(
      keyedPayload(
        rows.map((r, i) => keyedItem(enc, r, i)),
        true,
      ),
      4,
    );
    expect(got.map((r) => (r as RefusedRow).reason)).toEqual([
      "field column 'f' is null",
      "column 'sym' cannot be encoded as JSON",
      "column 'deep' cannot be encoded as JSON",
      "column 't' cannot be encoded as JSON",
    ]);
    expect(got.map((r) => JSON.parse((r as RefusedRow).row))).toEqual([
      { f: null, fn: '() => 1', big: '1180591620717411303424', s: 'x' },
      { f: 'ok', sym: 'Symbol(s)', n: 1 },
      { f: 'deep', deep: '[not encodable: RangeError]', n: 2 },
      { f: 'throws', t: '[not encodable: Error]', n: 3 },
    ]);
    // Without a dead-letter policy a refused row carries its reason only.
    expect(keyedItem(enc, rows[0], 0, false)).toEqual(new RefusedItem("field column 'f' is null", ''));
    expect(() => keyedItem(enc, 'not a row' as unknown as Row, 0)).toThrow(/row 0 .*must be an object/);
  });

  it('keyed — the slot a worker reads off a keyed row is keySlot of its key, hash tags included (property)', () => {
    const tagged = fc
      .tuple(part, part, part)
      .map(([a, b, c]) =>
        typeof a === 'string' && typeof b === 'string' && typeof c === 'string'
          ? `${a}{${b}}${c}`
          : Buffer.concat([bytesOf(a), Buffer.from('{'), bytesOf(b), Buffer.from('}'), bytesOf(c)]),
      );
    const key = fc.oneof(part, tagged, fc.constantFrom('{}', '{}x', 'a{}{b}', '{{a}}', '}{a}', 'x{', '{'));
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 8 }), fc.boolean(), (keys, hash) => {
        const rows = decodeKeyedRows(
          keyedPayload(
            keys.map((k) => new EncodedRow(k, 'f', 'v')),
            hash,
          ),
          keys.length,
        ) as PayloadRow[];
        expect(rows.map(payloadKeySlot)).toEqual(keys.map((k) => keySlot(k)));
      }),
      { numRuns: 500 },
    );
  });

  it('keyed — a batch writer appends rows after a take as a new payload, growing past its first buffer', () => {
    const w = new KeyedBatchWriter(false);
    const big = 'v'.repeat(100_000);
    w.appendEncoded('k:0', '', big);
    w.appendEncoded('k:1', '', big);
    expect(w.rows).toBe(2);
    const first = w.take();
    expect(w.rows).toBe(0);
    expect(w.bytes).toBe(0);
    w.appendEncoded(Buffer.from([0xff]), '', 'x');
    const second = w.take();
    expect(decodeKeyedRows(first, 2).map((r) => (r as PayloadRow).key)).toEqual(['k:0', 'k:1']);
    expect(String((decodeKeyedRows(first, 2)[1] as PayloadRow).value)).toBe(big);
    const [only] = decodeKeyedRows(second, 1) as PayloadRow[];
    expect([only.key, only.field, only.value]).toEqual([Buffer.from([0xff]), '', 'x']);
  });
});

/** A hash table without a key column whose field column f is often null: refused rows. */
const hashNoKey = defineTable({
  name: 't',
  profile: { name: 'p', connection: { kind: 'standalone', address: 'redis://127.0.0.1:1' } },
  target: { type: 'hash', hashKeyPrefix: 'h', hashFieldColumn: 'f' },
});
