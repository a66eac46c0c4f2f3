/**
 * toTimestamp reads a Date's toISOString text (how a Date crosses JSON: ingest rows, JSON lines,
 * lookup values) without its regex: for every text it must give what it gave before, the same
 * instant or the same error. The conversion as it was is kept below as the reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConversionError, toTimestamp } from '../../src/schema/conversions.js';

// ---- the reference: toTimestamp of text as it was -----------------------------------------------

const TIMESTAMP_TEXT =
  /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/i;

/** The instant, or undefined where the conversion failed. */
function refTimestamp(v: string): number | undefined {
  const m = TIMESTAMP_TEXT.exec(v);
  if (m === null) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(t);
  if (
    Number.isNaN(t) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return undefined;
  }
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  return t;
}

/** The instant toTimestamp gives, or undefined when it throws (a ConversionError, nothing else). */
function ours(v: string): number | undefined {
  try {
    const d = toTimestamp(v);
    expect(d).toBeInstanceOf(Date);
    return d.getTime();
  } catch (e) {
    expect(e).toBeInstanceOf(ConversionError);
    expect((e as Error).message).toMatch(/^cannot convert '.*' to TIMESTAMP$/s);
    return undefined;
  }
}

// ---- texts --------------------------------------------------------------------------------------

const digit = fc.constantFrom(...'0123456789');
const digitsOf = (n: number) => fc.array(digit, { minLength: n, maxLength: n }).map((a) => a.join(''));

/** `YYYY-MM-DDTHH:MM:SS.sssZ` with any digits: impossible months, days, hours included. */
const isoShaped = fc
  .tuple(digitsOf(4), digitsOf(2), digitsOf(2), digitsOf(2), digitsOf(2), digitsOf(2), digitsOf(3))
  .map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);

/** Real instants' ISO text (years outside 0..9999 take the ±YYYYYY form). */
const isoOfDate = fc.date({ noInvalidDate: true }).map((d) => d.toISOString());

/** An ISO text with one character replaced: separators, case, signs, non-ASCII digits. */
const mutated = fc
  .tuple(
    fc.oneof(isoOfDate, isoShaped),
    fc.nat(),
    fc.constantFrom('-', ':', '.', 'T', 't', 'z', 'Z', ' ', '+', '/', '٣', '１', 'a', '0', '9'),
  )
  .map(([s, at, c]) => {
    const i = at % s.length;
    return s.slice(0, i) + c + s.slice(i + 1);
  });

/** Any 24 characters from the alphabet of timestamps. */
const timestampAlphabet = fc
  .array(fc.constantFrom(...'0123456789-:.TtZz +'), { minLength: 24, maxLength: 24 })
  .map((a) => a.join(''));

describe('toTimestamp — the ISO fast path reads as the general path did', () => {
  it('every text: the same instant, or the same refusal', () => {
    fc.assert(
      fc.property(fc.oneof(isoOfDate, isoShaped, mutated, timestampAlphabet, fc.string()), (v) => {
        expect(ours(v)).toBe(refTimestamp(v));
      }),
      { numRuns: 20_000 },
    );
  });

  it('examples: two-digit years, leap days, the last millisecond, rolled-over days', () => {
    for (const v of [
      '0050-06-01T00:00:00.000Z',
      '2024-02-29T12:00:00.000Z',
      '2023-02-29T12:00:00.000Z',
      '2026-11-26T23:59:59.999Z',
      '2026-11-31T00:00:00.000Z',
      '2026-00-10T00:00:00.000Z',
      '2026-11-26T24:00:00.000Z',
      '2026-11-26T10:60:00.000Z',
      '2026-11-26T10:00:60.000Z',
      '2026-11-26t10:00:00.000z',
      '9999-12-31T23:59:59.999Z',
    ]) {
      expect(ours(v), v).toBe(refTimestamp(v));
    }
  });

  it('a Date comes back from its ISO text as the same instant', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date(Date.UTC(100, 0, 1)),
          max: new Date(Date.UTC(9999, 11, 31)),
          noInvalidDate: true,
        }),
        (d) => {
          expect(toTimestamp(d.toISOString()).getTime()).toBe(d.getTime());
        },
      ),
    );
  });
});
