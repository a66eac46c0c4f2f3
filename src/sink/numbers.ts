/**
 * Column values that Redis reads as numbers (scores, increments, TTLs): each returns the argument
 * to send, or undefined when the value is not such a number (the caller says why, per role).
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** A finite number (a score, a float increment), as Redis's strtod reads it. */
export function numberArg(v: unknown): string | undefined {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? String(v) : undefined;
    case 'bigint':
      return v.toString();
    case 'string':
      return DECIMAL.test(v) && Number.isFinite(Number(v)) ? v : undefined;
    default:
      return undefined;
  }
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
const MAX_TTL_SECS = Number.MAX_SAFE_INTEGER / 1000;

/** A TTL in seconds: a positive integer; NaN when the value is none, -1 when not positive. */
export function ttlSeconds(v: unknown): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'string' && INTEGER.test(v)) n = Number(v);
  else return Number.NaN;
  if (!Number.isInteger(n) || n > MAX_TTL_SECS) return Number.NaN;
  return n > 0 ? n : -1;
}

/** A time to expire at, in ms since the epoch: a Date, a number of ms, or ISO-8601 text; NaN otherwise. */
export function expiryTime(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return Number.isInteger(v) ? v : Number.NaN;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.length > 0) return INTEGER.test(v) ? Number(v) : Date.parse(v);
  return Number.NaN;
}
