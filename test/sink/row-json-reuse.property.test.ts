import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Column } from '../../src/schema/sql-type.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import { table } from '../support/sink.js';

/**
 * A producer sending JSON rows reuses the table encoder's value as the row's text when the
 * encoder says it is the row's own `JSON.stringify` text (`valueIsRowJson`): it must be, exactly,
 * whatever the row holds and whichever encoder path it took.
 */
const leaf = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }),
  fc.date({ noInvalidDate: false }),
  fc.uint8Array({ maxLength: 4 }).map((a) => Buffer.from(a)),
);
const value = fc.oneof(
  { weight: 4, arbitrary: leaf },
  fc.dictionary(
    fc.string({ maxLength: 4 }),
    fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean()),
  ),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer())),
);
const names = ['id', 'k', 'a', 'b', 'c'];
const rowArb = fc
  .subarray(names, { minLength: 1 })
  .chain((cols) => fc.tuple(fc.constant(cols), fc.tuple(...cols.map(() => value))))
  .map(([cols, vals]) => {
    const row: Record<string, unknown> = { k: 'key' };
    cols.forEach((c, i) => {
      if (c !== 'k') row[c] = vals[i];
    });
    return row;
  });

describe('the table encoder tells when its value is the row JSON.stringify gives', () => {
  it('row json reuse — property: valueIsRowJson holds only where the value is JSON.stringify(row)', () => {
    let reused = 0;
    fc.assert(
      fc.property(
        rowArb,
        fc.boolean(),
        fc.subarray(names, { minLength: 1 }),
        (row, withSchema, schemaNames) => {
          const schema: Column[] | undefined = withSchema
            ? ['k', ...schemaNames.filter((n) => n !== 'k')].map((name) => ({
                name,
                type: 'TEXT',
                nullable: true,
              }))
            : undefined;
          const enc = new RowEncoder(
            table({ type: 'list', listPrefix: 'l:', listKeyColumn: 'k', operation: 'Append' }, { schema }),
          );
          if (enc.encode(row) !== null || !enc.valueIsRowJson) return;
          reused++;
          expect(enc.value).toBe(JSON.stringify(row));
        },
      ),
      { numRuns: 2000 },
    );
    // Rows of plain values without a schema take the native path: the property is not vacuous.
    expect(reused).toBeGreaterThan(100);
  });

  it('row json reuse — a row in another order than its schema, a bigint or bytes: never claimed; a Date: claimed', () => {
    const enc = new RowEncoder(
      table(
        { type: 'list', listPrefix: 'l:', listKeyColumn: 'k', operation: 'Append' },
        {
          schema: [
            { name: 'k', type: 'TEXT', nullable: false },
            { name: 'v', type: 'BIGINT', nullable: true },
          ],
        },
      ),
    );
    expect(enc.encode({ k: 'a', v: 1 })).toBeNull();
    expect(enc.valueIsRowJson).toBe(true);
    expect(enc.encode({ v: 1, k: 'a' })).toBeNull();
    expect(enc.valueIsRowJson).toBe(false);
    // A Date is written as JSON.stringify writes it (its ISO text): claimed, through the copy path.
    const dated = { k: 'a', v: new Date(0) };
    expect(enc.encode(dated)).toBeNull();
    expect(enc.valueIsRowJson).toBe(true);
    expect(enc.value).toBe(JSON.stringify(dated));
    // A bigint (JSON.stringify would throw) and bytes (it would write an object): never.
    expect(enc.encode({ k: 'a', v: 5n })).toBeNull();
    expect(enc.valueIsRowJson).toBe(false);
    expect(enc.encode({ k: 'a', v: Buffer.from('x') })).toBeNull();
    expect(enc.valueIsRowJson).toBe(false);
  });
});
