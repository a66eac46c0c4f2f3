/**
 * Types of query expressions: the eight column types of a table's schema plus `NULL`, the type of the
 * literal NULL (fits everywhere). Values at run time:
 *
 * | type      | JavaScript value                                             |
 * |-----------|--------------------------------------------------------------|
 * | TEXT      | string                                                       |
 * | INTEGER   | number (integral)                                            |
 * | BIGINT    | number when within ±(2^53−1), else bigint (never a safe bigint) |
 * | DOUBLE    | number                                                       |
 * | BOOLEAN   | boolean                                                      |
 * | TIMESTAMP | Date                                                         |
 * | JSON      | any JSON value (object, array, string, number, boolean)     |
 * | BYTEA     | Buffer                                                       |
 *
 * and SQL NULL is `null` in every type.
 */

import type { SqlType } from './sql-type.js';
import { SQL_TYPE_TABLE } from './sql-type-table.js';

/** Type of an expression. */
export type ExprType = SqlType | 'NULL';

/** Place of a numeric type in the widening INTEGER → BIGINT → DOUBLE; undefined: not numeric. */
function numericRank(t: ExprType): number | undefined {
  return t === 'NULL' ? undefined : SQL_TYPE_TABLE[t].numericRank;
}

/** INTEGER, BIGINT or DOUBLE. */
export function isNumeric(t: ExprType): boolean {
  return numericRank(t) !== undefined;
}

/** INTEGER or BIGINT. */
export function isInteger(t: ExprType): boolean {
  return t !== 'NULL' && SQL_TYPE_TABLE[t].integer;
}

/** Types with an order (`<`, MIN, MAX, ORDER BY): all but JSON. */
export function isOrdered(t: ExprType): boolean {
  return t === 'NULL' || SQL_TYPE_TABLE[t].ordered;
}

/**
 * The common type of two expressions that meet (CASE branches, COALESCE arguments, IN lists,
 * comparison operands), or undefined when they do not fit together: equal types, numeric
 * widening INTEGER → BIGINT → DOUBLE, NULL with anything.
 */
export function commonType(a: ExprType, b: ExprType): ExprType | undefined {
  if (a === b) return a;
  if (a === 'NULL') return b;
  if (b === 'NULL') return a;
  const ra = numericRank(a);
  const rb = numericRank(b);
  if (ra !== undefined && rb !== undefined) return ra > rb ? a : b;
  return undefined;
}

/**
 * Whether a value of type `from` may be written to a sink column of type `to` without a CAST:
 * equal types, NULL, any numeric type into a wider one, and BIGINT into INTEGER (SUM of an
 * INTEGER column is a BIGINT, as in PostgreSQL; the value is written as it is).
 */
export function assignable(from: ExprType, to: SqlType): boolean {
  if (from === to || from === 'NULL') return true;
  if (from === 'INTEGER' && (to === 'BIGINT' || to === 'DOUBLE')) return true;
  if (from === 'BIGINT' && (to === 'INTEGER' || to === 'DOUBLE')) return true;
  return false;
}
