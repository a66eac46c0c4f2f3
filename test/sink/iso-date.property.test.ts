import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ISO_DATE_BYTES, isoText, writeIsoDate } from '../../src/sink/iso-date.js';

/** Date.UTC(1000, 0, 1) and Date.UTC(10000, 0, 1). */
const FIRST = -30_610_224_000_000;
const PAST = 253_402_300_800_000;

describe('ISO dates', () => {
  it('iso date — text and bytes are toISOString for any time, one day after another or far apart (property)', () => {
    const b = Buffer.alloc(ISO_DATE_BYTES + 4);
    const time = fc.oneof(
      fc.integer({ min: FIRST, max: PAST - 1 }),
      // Around the edges of days, of 1970, and of the years written as 4 digits.
      fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }),
      fc.constantFrom(FIRST, FIRST - 1, PAST - 1, PAST, 0, -1, 86_399_999, 951_782_400_000),
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
    );
    fc.assert(
      fc.property(fc.array(time, { minLength: 1, maxLength: 8 }), (times) => {
        for (const t of times) {
          const d = new Date(t);
          expect(isoText(d)).toBe(d.toISOString());
          const end = writeIsoDate(b, 2, t);
          if (t >= FIRST && t < PAST) {
            expect(end).toBe(2 + ISO_DATE_BYTES);
            expect(b.latin1Slice(2, end)).toBe(d.toISOString());
          } else expect(end).toBe(-1);
        }
      }),
      { numRuns: 2000 },
    );
    expect(isoText(new Date(Number.NaN))).toBeUndefined();
    expect(writeIsoDate(b, 0, Number.NaN)).toBe(-1);
  });
});
