/**
 * Column values that Redis reads as numbers (scores, increments, TTLs): each returns the argument
 * to send, or undefined when the value is not such a number (the caller says why, per role).
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** Smallest normal double: below it (but for 0) strtod reports a range error, which Redis refuses. */
const MIN_NORMAL = 2.2250738585072014e-308;
const NONZERO_DIGIT = /[1-9]/;

/**
 * A finite number (a score, a float increment), as Redis's strtod reads it: no overflow, and no
 * underflow (a text like `1e-400`, or a subnormal number, that Redis would answer with "not a
 * valid float").
 */
export function numberArg(v: unknown): string | undefined {
  switch (typeof v) {
    case 'number':
      return inRange(v) ? String(v) : undefined;
    case 'bigint':
      return inRange(Number(v)) ? v.toString() : undefined;
    case 'string': {
      if (!DECIMAL.test(v)) return undefined;
      const n = Number(v);
      if (!inRange(n)) return undefined;
      // Zero from digits that are not all zeros: the text underflows.
      if (n === 0 && NONZERO_DIGIT.test(v.replace(/[eE].*$/, ''))) return undefined;
      return v;
    }
    default:
      return undefined;
  }
}

function inRange(n: number): boolean {
  return Number.isFinite(n) && (n === 0 || Math.abs(n) >= MIN_NORMAL);
}

/** A signed 64-bit integer (INCRBY, HINCRBY), as canonical decimal text. */
export function integerArg(v: unknown): string | undefined {
  switch (typeof v) {
    case 'number':
      return Number.isSafeInteger(v) ? String(v) : undefined;
    case 'bigint':
      return v >= INT64_MIN && v <= INT64_MAX ? v.toString() : undefined;
    case 'string': {
      if (!INTEGER.test(v)) return undefined;
      const n = BigInt(v);
      return n >= INT64_MIN && n <= INT64_MAX ? n.toString() : undefined;
    }
    default:
      return undefined;
  }
}

/** Longest TTL in seconds Redis takes (its limit is in milliseconds, as a signed 64-bit count). */
export const MAX_TTL_SECS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/**
 * A TTL in seconds: a positive integer; NaN when the value is none, -1 when not positive,
 * Infinity when longer than Redis holds ({@link MAX_TTL_SECS}).
 */
export function ttlSeconds(v: unknown): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'string' && INTEGER.test(v)) n = Number(v);
  else return Number.NaN;
  if (n > MAX_TTL_SECS) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(n)) return Number.NaN;
  return n > 0 ? n : -1;
}

/**
 * Latest time to expire at, ms since the epoch: past it Redis's millisecond arithmetic overflows
 * (it refuses the command); the year 287,396 is far enough.
 */
export const MAX_EXPIRY_MS = Number.MAX_SAFE_INTEGER;

/**
 * A time to expire at, in ms since the epoch: a Date, a number of ms, or ISO-8601 text; NaN when
 * it is none, Infinity when it is past {@link MAX_EXPIRY_MS}.
 */
export function expiryTime(v: unknown): number {
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'number') ms = Number.isInteger(v) ? v : Number.NaN;
  else if (typeof v === 'bigint') ms = Number(v);
  else if (typeof v === 'string' && v.length > 0) ms = INTEGER.test(v) ? Number(v) : Date.parse(v);
  else return Number.NaN;
  return ms > MAX_EXPIRY_MS ? Number.POSITIVE_INFINITY : ms;
}
