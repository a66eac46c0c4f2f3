/**
 * A sink encoding rows as they come asks its encoder for a JSON row's value as bytes
 * (`encode(row, true)`): the reason, key, field and value bytes must be exactly those of the text
 * the encoder gives otherwise, for any row, with and without a schema.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Column } from '../../src/schema/sql-type.js';
import type { Target } from '../../src/sink/model.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import { table } from '../support/sink.js';

const schemaOf = (names: readonly string[]): Column[] =>
  names.map((name) => ({ name, type: 'TEXT', nullable: true }) as Column);

const targets: Target[] = [
  { type: 'list', listPrefix: 'l:', listKeyColumn: 'k', operation: 'Append' },
  { type: 'hash', hashKeyPrefix: 'h:', hashKeyColumn: 'k', hashFieldColumn: 'f' },
  { type: 'string', keyPrefix: 's:', keyColumn: 'k', ttlSecs: 60 },
];
const schemas = [undefined, schemaOf(['k', 'f', 'a', 'b', 'c']), schemaOf(['c', 'missing', 'k', 'a'])];

const anything = fc.anything({
  maxDepth: 2,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});
const cell = fc.oneof(
  anything,
  fc.date(),
  fc.constantFrom(1e21, -0, 5e-324, Number.NaN, 2n ** 64n, '\ud800', 'é😀', '"\\\n'),
  fc.record({ read: fc.boolean(), scopes: fc.array(fc.string()), at: fc.date(), n: fc.double() }),
);
const row = fc.record(
  { k: fc.constantFrom('a', 'b', 7), f: fc.constantFrom('x', 'y'), a: cell, b: cell, c: cell },
  { requiredKeys: ['k', 'f'] },
);

describe('row encoder — JSON values as bytes', () => {
  it('row encoder — a JSON value as bytes is byte for byte its text, the reason and key the same (property)', () => {
    let inBytes = 0;
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 8 }), (rows) => {
        for (const target of targets) {
          for (const schema of schemas) {
            const t = table(target, { format: 'json', delivery: 'at_least_once', schema });
            const asText = new RowEncoder(t);
            const asBytes = new RowEncoder(t);
            for (const r of rows) {
              const reason = asText.encode(r);
              expect(asBytes.encode(r, true)).toBe(reason);
              if (reason !== null) continue;
              expect(asBytes.key).toEqual(asText.key);
              expect(asBytes.field).toEqual(asText.field);
              if (asBytes.valueInBytes) inBytes++;
              const got = asBytes.valueInBytes ? asBytes.json!.bytes() : asBytes.value;
              expect(Buffer.from(got)).toEqual(Buffer.from(asText.value));
            }
          }
        }
      }),
      { numRuns: 150 },
    );
    expect(inBytes).toBeGreaterThan(100);
  });
});
