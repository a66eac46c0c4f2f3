import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { place } from '../../src/coordinator/scheduler.js';

const units = (n: number) => Array.from({ length: n }, (_, i) => `t/${i}`);

describe('scheduler — placement of shards on workers', () => {
  it('spreads unplaced units evenly and deterministically', () => {
    const { target, moves } = place({ units: units(8), workers: ['b', 'a', 'c'], current: new Map() });
    const count = new Map<string, number>();
    for (const w of target.values()) count.set(w, (count.get(w) ?? 0) + 1);
    expect([...count.values()].sort()).toEqual([2, 3, 3]);
    expect(moves).toEqual([]);
    expect(place({ units: units(8), workers: ['c', 'a', 'b'], current: new Map() }).target).toEqual(target);
  });

  it('moves only the units of a lost worker', () => {
    const first = place({ units: units(9), workers: ['a', 'b', 'c'], current: new Map() }).target;
    const after = place({ units: units(9), workers: ['a', 'c'], current: first }).target;
    for (const [u, w] of first) if (w !== 'b') expect(after.get(u)).toBe(w);
    for (const [u, w] of first) if (w === 'b') expect(['a', 'c']).toContain(after.get(u));
  });

  it('a joining worker takes units from overloaded ones, as revocations', () => {
    const before = new Map(units(8).map((u, i) => [u, i < 4 ? 'a' : 'b']));
    const { target, moves } = place({ units: units(8), workers: ['a', 'b', 'c'], current: before });
    expect(moves.map((m) => m.to)).toEqual(['c', 'c']);
    expect(new Set(moves.map((m) => m.from))).toEqual(new Set(['a', 'b']));
    expect([...target.values()].filter((w) => w === 'c')).toHaveLength(2);
  });

  it('no workers: nothing placed', () => {
    expect(place({ units: units(3), workers: [], current: new Map() }).target.size).toBe(0);
  });

  it('property: every unit placed on a live worker, loads within one, units on live unloaded workers stay', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.uniqueArray(fc.constantFrom<string>('a', 'b', 'c', 'd', 'e'), { minLength: 1 }),
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'gone'), { maxLength: 40 }),
        (n, workers, prior) => {
          const us = units(n);
          const current = new Map(
            us.flatMap((u, i) => (prior[i] === undefined ? [] : [[u, prior[i]] as const])),
          );
          const { target, moves } = place({ units: us, workers, current });
          expect(target.size).toBe(n);
          const load = new Map(workers.map((w) => [w, 0]));
          for (const w of target.values()) {
            expect(workers).toContain(w);
            load.set(w, load.get(w)! + 1);
          }
          const loads = [...load.values()];
          expect(Math.max(...loads)).toBeLessThanOrEqual(Math.ceil(n / workers.length));
          for (const m of moves) {
            expect(current.get(m.unit)).toBe(m.from);
            expect(m.from).not.toBe(m.to);
          }
          const cap = Math.ceil(n / workers.length);
          for (const w of workers) {
            const had = us.filter((u) => current.get(u) === w);
            if (had.length <= cap) for (const u of had) expect(target.get(u)).toBe(w);
          }
        },
      ),
    );
  });
});
