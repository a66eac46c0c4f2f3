/**
 * Operations on non-null SQL values (see expr-type.ts for their JavaScript form): exact integer
 * arithmetic that moves to bigint past ±(2^53−1) and back, and comparison, equality and Map keys
 * per type (from the per-type table, sql-type-table.ts). NULL handling is the caller's: compiled
 * expressions test for null before calling these.
 */

import type { ExprType } from './expr-type.js';
import { type Comparator, type Equality, NULL_TYPE_FACTS, SQL_TYPE_TABLE } from './sql-type-table.js';
import { type IntValue, normInt } from './value-forms.js';

export type { Comparator } from './sql-type-table.js';
export { type IntValue, jsonValueOf, normInt, valueText } from './value-forms.js';

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

/**
 * The comparator of a type: numbers numerically (number and bigint mix exactly), TEXT by UTF-16
 * code units, TIMESTAMP by instant, false < true, BYTEA bytewise. JSON has no order (the compiler
 * refuses it).
 */
export function comparatorOf(t: ExprType): Comparator {
  return (t === 'NULL' ? NULL_TYPE_FACTS : SQL_TYPE_TABLE[t]).compare;
}

/** Equality of two non-null values of one (common) type. */
export function equalityOf(t: ExprType): Equality {
  return (t === 'NULL' ? NULL_TYPE_FACTS : SQL_TYPE_TABLE[t]).equals;
}

/**
 * A Map key standing for a non-null value: equal values give equal keys within one type
 * (TIMESTAMP by instant, BYTEA by bytes, JSON by its text, numbers by value).
 */
export function mapKeyOf(t: ExprType): (v: unknown) => unknown {
  return (t === 'NULL' ? NULL_TYPE_FACTS : SQL_TYPE_TABLE[t]).mapKey;
}
