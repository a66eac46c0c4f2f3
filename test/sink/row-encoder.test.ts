import { describe, expect, it } from 'vitest';
import { defineTable } from '../../src/sink/config/validate-model.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';

const profile = { name: 'p', connection: { kind: 'standalone' as const, address: 'redis://127.0.0.1:1' } };

describe('row encoder', () => {
  it('list and hash keys stay right past the key cache bound, for text and bytes key columns', () => {
    for (const target of [
      { type: 'list' as const, listPrefix: 'l:', listKeyColumn: 'k', operation: 'Append' as const },
      { type: 'hash' as const, hashKeyPrefix: 'h:', hashKeyColumn: 'k', hashFieldColumn: 'f' },
    ]) {
      const enc = new RowEncoder(defineTable({ name: 't', profile, target }));
      const prefix = target.type === 'list' ? 'l:' : 'h:';
      // 25k distinct keys (the cache is cleared twice on the way), then the first ones again.
      for (const i of [...Array.from({ length: 25_000 }, (_, i) => i), 0, 1, 24_999, 7]) {
        expect(enc.encode({ k: `u${i}`, f: 'x' })).toBeNull();
        expect(enc.key).toBe(`${prefix}u${i}`);
        expect(enc.encode({ k: i, f: 'x' })).toBeNull(); // a number's text, cached under its text
        expect(enc.key).toBe(`${prefix}${i}`);
      }
      expect(enc.encode({ k: Buffer.from([0xff, 0x00]), f: 'x' })).toBeNull();
      expect(enc.key).toEqual(Buffer.from([...Buffer.from(prefix), 0xff, 0x00]));
    }
  });

  it('row encoder — number key columns give their text as the key, cached or not', () => {
    const target = { type: 'hash' as const, hashKeyPrefix: 'h:', hashKeyColumn: 'k', hashFieldColumn: 'f' };
    const enc = new RowEncoder(defineTable({ name: 't', profile, target }));
    const cases: [unknown, string | null][] = [
      [7, 'h:7'],
      [7.5, 'h:7.5'],
      [-0, 'h:0'],
      [0, 'h:0'],
      [-0, 'h:0'],
      [1e21, 'h:1000000000000000000000'],
      [1e-7, 'h:0.0000001'],
      [7, 'h:7'],
      ['7', 'h:7'],
      [Number.NaN, null],
      [Number.POSITIVE_INFINITY, null],
      [7.5, 'h:7.5'],
    ];
    for (const [k, key] of cases) {
      const problem = enc.encode({ k, f: 'x' });
      if (key === null) expect(problem).toMatch(/key column 'k'/);
      else {
        expect(problem).toBeNull();
        expect(enc.key).toBe(key);
      }
    }
  });

  it("row encoder — a value over Redis's 512 MiB bulk limit is a bad row, not a lost connection", () => {
    const enc = new RowEncoder(
      defineTable({
        name: 't',
        profile,
        target: { type: 'string', keyPrefix: 's:', keyColumn: 'k' },
        format: 'raw',
      }),
    );
    // Never written to: the pages stay unallocated.
    const huge = Buffer.allocUnsafe(512 * 1024 * 1024 + 1);
    expect(enc.encode({ k: 'a', value: huge })).toMatch(/larger than Redis accepts \(512 MiB/);
    expect(enc.encode({ k: 'b', value: huge.subarray(0, 1024) })).toBeNull();
    expect(enc.encode({ k: 'c', value: 'x'.repeat(1000) })).toBeNull();
  });
});
