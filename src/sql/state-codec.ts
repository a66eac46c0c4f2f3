/**
 * SQL values in checkpoint state (JSON): the type is known from the query, so each value is
 * written in its plainest JSON form and read back exactly — TIMESTAMP as ISO-8601 text, a bigint
 * BIGINT as its decimal text, BYTEA as base64, a non-finite DOUBLE as its name (each type's
 * `toState`/`fromState` in schema/sql-type-table.ts).
 */
import type { ExprType } from '../schema/expr-type.js';
import { NULL_TYPE_FACTS, SQL_TYPE_TABLE } from '../schema/sql-type-table.js';

/** A value of `type` as JSON. */
export function encodeValue(type: ExprType, v: unknown): unknown {
  if (v === null) return null;
  return (type === 'NULL' ? NULL_TYPE_FACTS : SQL_TYPE_TABLE[type]).toState(v);
}

/** The value {@link encodeValue} wrote. */
export function decodeValue(type: ExprType, j: unknown): unknown {
  if (j === null || j === undefined) return null;
  return (type === 'NULL' ? NULL_TYPE_FACTS : SQL_TYPE_TABLE[type]).fromState(j);
}
