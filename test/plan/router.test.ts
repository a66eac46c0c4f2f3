import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotRouter, slotRanges } from '../../src/plan/router.js';
import { keySlot, SLOT_COUNT } from '../../src/resp/cluster/key-slot.js';
import { DEFAULT_BATCH_SIZE, type Target } from '../../src/sink/model.js';
import { RowEncoder } from '../../src/sink/row-encoder.js';
import { table } from '../support/sink.js';

describe('router', () => {
  it('router — slot ranges are contiguous, ordered, near-equal and cover every slot once (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: SLOT_COUNT }), (n) => {
        const r = slotRanges(n);
        expect(r).toHaveLength(n);
        expect(r[0][0]).toBe(0);
        expect(r.at(-1)![1]).toBe(SLOT_COUNT - 1);
        for (let j = 1; j < n; j++) expect(r[j][0]).toBe(r[j - 1][1] + 1);
        const sizes = r.map(([a, b]) => b - a + 1);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 50 },
    );
    expect(() => slotRanges(0)).toThrow(RangeError);
    expect(() => slotRanges(SLOT_COUNT + 1)).toThrow(RangeError);
  });

  const targets: Target[] = [
    { type: 'string', keyPrefix: 'user:', keyColumn: 'id' },
    { type: 'list', listPrefix: 'ev:', listKeyColumn: 'id', operation: 'Append' },
    { type: 'hash', hashKeyPrefix: 'inv:{', hashKeyColumn: 'id', hashFieldColumn: 'f' },
  ];

  it.each(targets)(
    'router — a $type row goes to the shard whose range holds slot(key of the sink) (property)',
    (target) => {
      const t = table(target, { batchSize: DEFAULT_BATCH_SIZE });
      const enc = new RowEncoder(t);
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 64 }),
          fc.array(
            fc.record({
              id: fc.oneof(fc.string({ minLength: 1 }), fc.integer()),
              f: fc.string(),
              v: fc.integer(),
            }),
            {
              maxLength: 30,
            },
          ),
          (shards, rows) => {
            const router = new SlotRouter(t, shards);
            const routed = router.route(
              rows,
              'p',
              rows.map((_, i) => i),
            );
            let total = 0;
            routed.forEach((r, s) => {
              if (r === undefined) return;
              const [lo, hi] = router.ranges[s];
              let last = -1;
              r.rows.forEach((row, j) => {
                expect(enc.encode(row)).toBeNull();
                const slot = keySlot(enc.key);
                expect(slot).toBeGreaterThanOrEqual(lo);
                expect(slot).toBeLessThanOrEqual(hi);
                expect(r.offsets[j]).toBeGreaterThan(last); // input order kept per shard
                last = r.offsets[j];
              });
              expect(r.partition).toBe('p');
              total += r.rows.length;
            });
            expect(total).toBe(rows.length);
          },
        ),
      );
    },
  );

  it('router — a list key seen again, also after its slot was forgotten, goes to the same shard', () => {
    // Lists remember key → slot for up to 10,000 keys, then start over: 12,000 keys twice.
    const t = table({ type: 'list', listPrefix: 'ev:{', listKeyColumn: 'id', operation: 'Append' });
    const router = new SlotRouter(t, 7);
    const enc = new RowEncoder(t);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 12_000; i++) {
        const row = { id: i % 3 === 0 ? `k${i}}` : `k${i}` };
        expect(enc.encode(row)).toBeNull();
        expect(router.shardOf(row)).toBe(router.shardOfSlot(keySlot(enc.key)));
      }
    }
  });

  it('router — rows whose key cannot be computed go to shard 0, where the sink applies onError', () => {
    const router = new SlotRouter(table({ type: 'string', keyPrefix: 'k:', keyColumn: 'id' }), 4);
    expect(router.shardOf({ id: null })).toBe(0);
    expect(router.shardOf({})).toBe(0);
  });

  it('router — a table without a key column sends every row to the shard of its prefix', () => {
    const router = new SlotRouter(table({ type: 'list', listPrefix: 'all', operation: 'Append' }), 8);
    const s = router.shardOfSlot(keySlot('all'));
    expect(router.shardOf({ a: 1 })).toBe(s);
    expect(router.shardOf({ b: 'x' })).toBe(s);
  });

  it('router — per-row partitions are kept with their rows', () => {
    const router = new SlotRouter(table({ type: 'string', keyPrefix: '', keyColumn: 'k' }), 2);
    const rows = [{ k: 'a' }, { k: 'b' }, { k: 'c' }, { k: 'd' }];
    const routed = router.route(rows, ['p1', 'p2', 'p1', 'p2'], [0, 0, 1, 1]);
    const pairs = routed.flatMap((r) =>
      r === undefined ? [] : r.rows.map((row, j) => [(row as { k: string }).k, (r.partition as string[])[j]]),
    );
    expect(new Map(pairs as [string, string][])).toEqual(
      new Map([
        ['a', 'p1'],
        ['b', 'p2'],
        ['c', 'p1'],
        ['d', 'p2'],
      ]),
    );
  });
});
