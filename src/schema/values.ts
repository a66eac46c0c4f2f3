/**
 * Operations on non-null SQL values (see types.ts for their JavaScript form): exact integer
 * arithmetic that moves to bigint past ±(2^53−1) and back, comparison and equality per type, and
 * the text and JSON forms used by CAST, CONCAT and JSON_OBJECT. NULL handling is the caller's:
 * compiled expressions test for null before calling these.
 */

import type { ExprType } from './expr-type.js';
import { dateText, numberText } from './text.js';

/** A BIGINT/INTEGER value. */
export type IntValue = number | bigint;

/** A bigint result in its canonical form: a number when safe. */
export function normInt(b: bigint): IntValue {
  return b >= -MAX_SAFE && b <= MAX_SAFE ? Number(b) : b;
}
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** `x + y`, exact. */
export function intAdd(x: IntValue, y: IntValue): IntValue {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x + y;
    if (Number.isSafeInteger(r)) return r;
  }
  return normInt(BigInt(x) + BigInt(y));
}

/** `x - y`, exact. */
export function intSub(x: IntValue, y: IntValue): IntValue {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x - y;
    if (Number.isSafeInteger(r)) return r;
  }
  return normInt(BigInt(x) - BigInt(y));
}

/** `x * y`, exact (never -0). */
export function intMul(x: IntValue, y: IntValue): IntValue {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x * y;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r; // never -0
  }
  return normInt(BigInt(x) * BigInt(y));
}

/** Integer division truncating toward zero (SQL); `y` is not zero. */
export function intDiv(x: IntValue, y: IntValue): IntValue {
  if (typeof x === 'number' && typeof y === 'number') {
    // x % y is exact for integers, so (x − r) / y is an exact integer: no rounding across a boundary.
    const r = (x - (x % y)) / y;
    return r === 0 ? 0 : r; // no -0
  }
  return normInt(BigInt(x) / BigInt(y));
}

/** Remainder with the sign of the dividend (SQL); `y` is not zero. */
export function intMod(x: IntValue, y: IntValue): IntValue {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x % y;
    return r === 0 ? 0 : r;
  }
  return normInt(BigInt(x) % BigInt(y));
}

/** `-x`, exact (never -0). */
export function intNeg(x: IntValue): IntValue {
  return typeof x === 'number' ? (x === 0 ? 0 : -x) : normInt(-x);
}

/** Three-way comparison of two non-null values of one (common) type. */
export type Comparator = (a: unknown, b: unknown) => number;

const compareNumbers: Comparator = (a, b) =>
  (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
const compareStrings: Comparator = (a, b) =>
  (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
const compareDates: Comparator = (a, b) => (a as Date).getTime() - (b as Date).getTime();
const compareBooleans: Comparator = (a, b) => Number(a) - Number(b);
const compareBytes: Comparator = (a, b) => Buffer.compare(a as Buffer, b as Buffer);

/**
 * The comparator of a type: numbers numerically (number and bigint mix exactly: JavaScript's
 * relational operators compare them by value), TEXT by UTF-16 code units, TIMESTAMP by instant,
 * false < true, BYTEA bytewise. JSON has no order (the compiler refuses it).
 */
export function comparatorOf(t: ExprType): Comparator {
  switch (t) {
    case 'TEXT':
      return compareStrings;
    case 'TIMESTAMP':
      return compareDates;
    case 'BOOLEAN':
      return compareBooleans;
    case 'BYTEA':
      return compareBytes;
    case 'JSON':
      return (a, b) => {
        const x = JSON.stringify(a);
        const y = JSON.stringify(b);
        return x < y ? -1 : x > y ? 1 : 0;
      };
    default:
      return compareNumbers;
  }
}

/** Equality of two non-null values of one (common) type. */
export function equalityOf(t: ExprType): (a: unknown, b: unknown) => boolean {
  switch (t) {
    case 'INTEGER':
    case 'BIGINT':
    case 'DOUBLE':
      // `==` compares a bigint and a number by value; both sides are numeric here.
      // biome-ignore lint/suspicious/noDoubleEquals: intended numeric equality across number/bigint
      return (a, b) => a == b;
    case 'TIMESTAMP':
      return (a, b) => (a as Date).getTime() === (b as Date).getTime();
    case 'BYTEA':
      return (a, b) => (a as Buffer).equals(b as Buffer);
    case 'JSON':
      return (a, b) => JSON.stringify(a) === JSON.stringify(b);
    default:
      return (a, b) => a === b;
  }
}

/**
 * A Map key standing for a non-null value: equal values give equal keys within one type
 * (TIMESTAMP by instant, BYTEA by bytes, JSON by its text, numbers by value).
 */
export function mapKeyOf(t: ExprType): (v: unknown) => unknown {
  switch (t) {
    case 'TIMESTAMP':
      return (v) => (v === null ? null : (v as Date).getTime());
    case 'BYTEA':
      return (v) => (v === null ? null : `b${(v as Buffer).toString('base64')}`);
    case 'JSON':
      return (v) => (v === null ? null : `j${JSON.stringify(v)}`);
    case 'INTEGER':
    case 'BIGINT':
    case 'DOUBLE':
      return (v) => (typeof v === 'bigint' ? `n${v}` : v);
    default:
      return (v) => v;
  }
}

/**
 * Text of a non-null value (CAST AS TEXT, CONCAT, `||`): numbers without exponent, bigint exact,
 * TIMESTAMP as ISO-8601 UTC, booleans `true`/`false`, JSON as its JSON text, BYTEA as `\x` and
 * hex digits (PostgreSQL's form).
 */
export function valueText(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return numberText(v) ?? String(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      if (v instanceof Date) return dateText(v) ?? 'Invalid Date';
      if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
      return JSON.stringify(v);
  }
}

/**
 * A value as it goes into a JSON document (JSON_OBJECT, CAST AS JSON): TIMESTAMP as its ISO text,
 * bigint as a number when safe (always, by the canonical form) else its decimal text, BYTEA as
 * base64, JSON values as they are.
 */
export function jsonValueOf(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? v.toString() : v;
  if (v instanceof Date) return dateText(v) ?? null;
  if (Buffer.isBuffer(v)) return v.toString('base64');
  return v;
}
