import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rowSource } from '../../src/harness/bench-rows.js';
import { keyChoice, mix32 } from '../../src/harness/key-choice.js';
import { LatencyRecorder } from '../../src/harness/latency-recorder.js';

describe('bench rows and keys', () => {
  it('key choice — every key index is in range and a pure function of the row number', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000 }),
        fc.constantFrom(0, 0.5, 1, 1.3),
        fc.nat(1e9),
        (keys, skew, i) => {
          const c = keyChoice(keys, skew);
          const k = c.keyOf(i);
          expect(k).toBeGreaterThanOrEqual(0);
          expect(k).toBeLessThan(keys);
          expect(keyChoice(keys, skew).keyOf(i)).toBe(k);
          expect(c.keyOfHash(mix32(i))).toBe(k);
        },
      ),
    );
  });

  it('key choice — Zipf skew makes the first key the hottest; uniform spreads the rows', () => {
    const count = (skew: number) => {
      const c = keyChoice(100, skew);
      const n = new Array<number>(100).fill(0);
      for (let i = 0; i < 100_000; i++) n[c.keyOf(i)]++;
      return n;
    };
    const zipf = count(1.2);
    expect(Math.max(...zipf)).toBe(zipf[0]);
    expect(zipf[0]).toBeGreaterThan(10 * zipf[99]);
    const uniform = count(0);
    expect(Math.min(...uniform)).toBeGreaterThan(700);
    expect(Math.max(...uniform)).toBeLessThan(1300);
  });

  it('rows — a row holds the key, number and group its source reports for it, in both shapes', async () => {
    for (const shape of ['flat', 'nested'] as const) {
      const source = await rowSource(shape, keyChoice(1_000, 0.8), null);
      const rows = source.rows(5_000, 200);
      rows.forEach((row, j) => {
        const r = row as Record<string, unknown>;
        expect(r[source.layout.key]).toBe(source.keyText(5_000 + j));
        expect(r[source.layout.key]).toBe(source.keyTextOfIndex(source.keyIndexOf(5_000 + j)));
        expect(r[source.layout.id]).toBe(5_000 + j);
        expect(r[source.layout.number]).toBe(source.numberOf(5_000 + j));
        expect(String(r[source.layout.group])).toBe(source.groupOf(5_000 + j));
      });
      expect(source.columns?.map((c) => c.name)).toEqual(Object.keys(rows[0]));
    }
  });

  it('rows — a nested row is about 190 bytes of JSON with an ISO timestamp and a nested object', async () => {
    const source = await rowSource('nested', keyChoice(10_000, 0), null);
    const rows = source.rows(0, 1_000);
    const avg = rows.reduce((n, r) => n + JSON.stringify(r).length, 0) / rows.length;
    expect(avg).toBeGreaterThan(160);
    expect(avg).toBeLessThan(220);
    const one = JSON.parse(JSON.stringify(rows[0])) as Record<string, unknown>;
    expect(one.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Object.keys(one.permissions as object)).toHaveLength(5);
  });
});

describe('latency recorder', () => {
  it('latency — closed-loop batches count once per row; percentiles never exceed the max', () => {
    const r = new LatencyRecorder(0);
    r.recordSame(0, 2, 900);
    r.recordSame(0, 50, 100);
    const s = r.summary();
    expect(s.count).toBe(1_000);
    expect(s.p50Ms).toBeCloseTo(2, 2);
    expect(s.p99Ms).toBeCloseTo(50, 1);
    expect(s.maxMs).toBeCloseTo(50, 1);
    for (const p of [s.p50Ms, s.p90Ms, s.p99Ms, s.p999Ms]) expect(p).toBeLessThanOrEqual(s.maxMs);
  });

  it('latency — open loop measures each row from its own due time', () => {
    const r = new LatencyRecorder(0);
    // 10 rows due every 1 ms from t=0, all acknowledged at t=20: latencies 20, 19, ..., 11 ms.
    r.recordSpaced(0, 1, 20, 10);
    const s = r.summary();
    expect(s.maxMs).toBeCloseTo(20, 1);
    expect(s.meanMs).toBeCloseTo(15.5, 1);
    const iv = r.closeInterval(1_000);
    expect(iv.rowsPerSec).toBe(10);
    expect(r.intervals).toEqual([iv]);
  });
});
