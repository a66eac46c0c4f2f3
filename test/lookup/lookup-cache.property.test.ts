import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/actors/clock.js';
import { ENTRY_OVERHEAD, entryBytes, LookupCache } from '../../src/lookup/lookup-cache.js';

/** The obvious cache: an array, most recent first, scanned linearly. */
class ModelCache {
  entries: Array<{ key: string; value: number | null; bytes: number; expiresAt: number }> = [];
  constructor(
    readonly maxBytes: number,
    readonly ttlMs: number | null,
    readonly clock: ManualClock,
  ) {}
  get bytes(): number {
    return this.entries.reduce((n, e) => n + e.bytes, 0);
  }
  get(key: string): number | null | undefined {
    const i = this.entries.findIndex((e) => e.key === key);
    if (i === -1) return undefined;
    const [e] = this.entries.splice(i, 1);
    if (this.ttlMs !== null && this.clock.now() >= e.expiresAt) return undefined;
    this.entries.unshift(e);
    return e.value;
  }
  set(key: string, value: number | null, valueBytes: number): boolean {
    const bytes = entryBytes(key, valueBytes);
    this.entries = this.entries.filter((e) => e.key !== key);
    if (bytes > this.maxBytes) return false;
    const expiresAt = this.ttlMs === null ? Infinity : this.clock.now() + this.ttlMs;
    this.entries.unshift({ key, value, bytes, expiresAt });
    while (this.bytes > this.maxBytes) this.entries.pop();
    return true;
  }
  delete(key: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.key !== key);
    return this.entries.length < before;
  }
}

type Op =
  | { op: 'get'; key: string }
  | { op: 'set'; key: string; value: number | null; bytes: number }
  | { op: 'delete'; key: string }
  | { op: 'advance'; ms: number };

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'gg', 'hhh', 'iiii', 'long-key-0123456789');
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('get' as const), key }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      key,
      value: fc.option(fc.integer(), { nil: null }),
      bytes: fc.integer({ min: 0, max: 400 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 60 }) }),
  },
);

describe('lookup cache — properties against a reference model', () => {
  test('lookup cache — same answers, same LRU order, same bytes, never above max_bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: ENTRY_OVERHEAD, max: 2000 }),
        fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
        fc.array(op, { maxLength: 200 }),
        (maxBytes, ttlMs, ops) => {
          const clock = new ManualClock(1_000);
          const cache = new LookupCache<number>({ maxBytes, ttlMs, clock });
          const model = new ModelCache(maxBytes, ttlMs, clock);
          for (const o of ops) {
            switch (o.op) {
              case 'get':
                expect(cache.get(o.key)).toBe(model.get(o.key));
                break;
              case 'set':
                expect(cache.set(o.key, o.value, o.bytes)).toBe(model.set(o.key, o.value, o.bytes));
                break;
              case 'delete':
                expect(cache.delete(o.key)).toBe(model.delete(o.key));
                break;
              case 'advance':
                clock.advance(o.ms);
                break;
            }
            expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
            expect(cache.bytes).toBe(model.bytes);
            expect(cache.keys()).toEqual(model.entries.map((e) => e.key));
            expect(cache.size).toBe(model.entries.length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('lookup cache — hits + misses count every get; evictions count what the budget pushed out', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
        const clock = new ManualClock();
        const cache = new LookupCache<number>({ maxBytes: 600, ttlMs: 50, clock });
        let gets = 0;
        for (const o of ops) {
          if (o.op === 'get') {
            gets++;
            cache.get(o.key);
          } else if (o.op === 'set') cache.set(o.key, o.value, o.bytes);
          else if (o.op === 'advance') clock.advance(o.ms);
        }
        const s = cache.stats();
        expect(s.hits + s.misses).toBe(gets);
        expect(s.expirations).toBeLessThanOrEqual(s.misses);
        expect(s.bytes).toBeLessThanOrEqual(600);
        expect(s.entries).toBe(cache.size);
      }),
      { numRuns: 200 },
    );
  });
});

describe('lookup cache — behaviour', () => {
  test('lookup cache — an entry expires exactly ttl after it was set, and a set renews it', () => {
    const clock = new ManualClock(0);
    const cache = new LookupCache<string>({ maxBytes: 10_000, ttlMs: 100, clock });
    cache.set('k', 'v1', 10);
    clock.advance(99);
    expect(cache.get('k')).toBe('v1');
    clock.advance(1);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, expirations: 1, entries: 0, bytes: 0 });
    cache.set('k', 'v2', 10);
    clock.advance(60);
    cache.set('k', 'v3', 10);
    clock.advance(60);
    expect(cache.get('k')).toBe('v3');
  });

  test('lookup cache — negative entries are hits that answer null', () => {
    const cache = new LookupCache<string>({ maxBytes: 1000 });
    cache.set('gone', null, 0);
    expect(cache.get('gone')).toBeNull();
    expect(cache.get('other')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 });
  });

  test('lookup cache — least recently used goes first; an oversized entry is refused and drops the old one', () => {
    const one = entryBytes('a', 100);
    const cache = new LookupCache<number>({ maxBytes: 3 * one });
    cache.set('a', 1, 100);
    cache.set('b', 2, 100);
    cache.set('c', 3, 100);
    expect(cache.get('a')).toBe(1); // a is now the most recent: b is the least
    cache.set('d', 4, 100);
    expect(cache.keys()).toEqual(['d', 'a', 'c']);
    expect(cache.stats().evictions).toBe(1);
    expect(cache.set('a', 9, 10 * one)).toBe(false);
    expect(cache.keys()).toEqual(['d', 'c']);
    expect(cache.bytes).toBe(2 * one);
  });

  test('lookup cache — 100 000 entries through a small budget stay within it (O(1) per operation)', () => {
    const cache = new LookupCache<number>({ maxBytes: 64 * 1024 });
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) {
      cache.set(`key:${i}`, i, 50);
      cache.get(`key:${i >> 1}`);
    }
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(cache.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(cache.size).toBe(Math.floor((64 * 1024) / entryBytes('key:99999', 50)));
  });
});
