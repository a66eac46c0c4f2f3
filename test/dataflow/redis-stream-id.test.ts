import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareIds,
  EntryPlaces,
  entryPlace,
  isEntryId,
  StreamIdRangeError,
} from '../../src/dataflow/sources/redis-stream-id.js';
import { decodePosition, encodePosition } from '../../src/dataflow/sources/redis-stream-position.js';

const ms = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const seq = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const id = fc.tuple(ms, seq).map(([m, s]) => `${m}-${s}`);
const big = (x: string) => x.split('-').map(BigInt) as [bigint, bigint];

describe('redis stream ids', () => {
  it('stream ids — compare as (ms, seq) pairs of 64-bit numbers (property)', () => {
    fc.assert(
      fc.property(id, id, (a, b) => {
        const [am, as] = big(a);
        const [bm, bs] = big(b);
        const want = am === bm ? (as === bs ? 0 : as < bs ? -1 : 1) : am < bm ? -1 : 1;
        expect(Math.sign(compareIds(a, b))).toBe(want);
      }),
    );
  });

  it('stream ids — offsets rise strictly with the id within a partition, and stay safe integers (property)', () => {
    const fits = fc.tuple(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: 0, max: 2 ** 22 - 1 }));
    fc.assert(
      fc.property(fits, fits, ([am, as], [bm, bs]) => {
        const a = `${am}-${as}`;
        const b = `${bm}-${bs}`;
        const pa = entryPlace('s', 's', a);
        const pb = entryPlace('s', 's', b);
        expect(Number.isSafeInteger(pa.offset)).toBe(true);
        if (pa.partition === pb.partition)
          expect(Math.sign(pa.offset - pb.offset)).toBe(Math.sign(compareIds(a, b)));
        else expect(Math.sign(am - bm)).not.toBe(0); // another era: another millisecond range
      }),
    );
  });

  it('stream ids — a sequence number beyond 22 bits is refused, not folded', () => {
    expect(() => entryPlace('s', 'orders', `5-${2 ** 22}`)).toThrow(StreamIdRangeError);
    expect(() => entryPlace('s', 'orders', '18446744073709551615-0')).toThrow(/out of range/);
    expect(entryPlace('s', 'orders', `5-${2 ** 22 - 1}`).offset).toBe(5 * 2 ** 22 + 2 ** 22 - 1);
  });

  it('stream ids — a channel places each id by its era and offset, or refuses it (property)', () => {
    // A reference in bigint arithmetic, against EntryPlaces reused over a run of ids and bases
    // (its partition name is kept from one entry to the next while base and era stay).
    const near = fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 54n }), fc.bigInt({ min: 0n, max: 2n ** 23n }));
    const anyId = fc.oneof(near, fc.tuple(ms, seq));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'a~1', 'b'), anyId), { maxLength: 40 }), (run) => {
        const places = new EntryPlaces('orders');
        for (const [base, [m, s]] of run) {
          const id = `${m}-${s}`;
          if (m > BigInt(Number.MAX_SAFE_INTEGER) || s >= 2n ** 22n) {
            expect(() => places.place(base, id)).toThrow(StreamIdRangeError);
            continue;
          }
          const era = m >> 31n;
          expect(places.place(base, id)).toBe(Number((m - (era << 31n)) * 2n ** 22n + s));
          expect(places.partition).toBe(`${base}#${era}`);
        }
      }),
    );
  });

  it('stream ids — text that is no entry id is refused when placed', () => {
    const places = new EntryPlaces('orders');
    for (const bad of ['', '5', '-5', '5-', 'a-1', '5-1x', '5--1'])
      expect(() => places.place('a', bad)).toThrow(StreamIdRangeError);
  });

  it('stream ids — explicit ids are told from other text', () => {
    for (const ok of ['0', '0-0', '1700000000000-12', '5']) expect(isEntryId(ok)).toBe(true);
    for (const bad of ['$', '>', '-1', '01-0', '1-', 'a-1', '']) expect(isEntryId(bad)).toBe(false);
  });

  it('stream positions — round-trip, and a foreign position is refused', () => {
    const p = { last: '17-3', round: 2, cursor: '12-0' };
    expect(decodePosition(encodePosition(p), 'c')).toEqual(p);
    expect(decodePosition(encodePosition({ ...p, cursor: null }), 'c').cursor).toBeNull();
    expect(() => decodePosition(42, 'c')).toThrow(RangeError);
    expect(() => decodePosition('{"l":1}', 'c')).toThrow(/not a stream position/);
  });
});
