/**
 * SQL values in checkpoint state (JSON): the type is known from the query, so each value is
 * written in its plainest JSON form and read back exactly — TIMESTAMP as ISO-8601 text, a bigint
 * BIGINT as its decimal text, BYTEA as base64, a non-finite DOUBLE as its name.
 */
import { toTimestamp } from '../schema/cast.js';
import type { ExprType } from '../schema/expr-type.js';
import { normInt } from '../schema/values.js';

/** A value of `type` as JSON. */
export function encodeValue(type: ExprType, v: unknown): unknown {
  if (v === null) return null;
  switch (type) {
    case 'TIMESTAMP':
      return (v as Date).toISOString();
    case 'BYTEA':
      return (v as Buffer).toString('base64');
    case 'INTEGER':
    case 'BIGINT':
      return typeof v === 'bigint' ? v.toString() : v;
    case 'DOUBLE':
      return Number.isFinite(v) ? v : String(v);
    default:
      return v;
  }
}

/** The value {@link encodeValue} wrote. */
export function decodeValue(type: ExprType, j: unknown): unknown {
  if (j === null || j === undefined) return null;
  switch (type) {
    case 'TIMESTAMP':
      return toTimestamp(j);
    case 'BYTEA':
      return Buffer.from(j as string, 'base64');
    case 'INTEGER':
    case 'BIGINT':
      return typeof j === 'string' ? normInt(BigInt(j)) : j;
    case 'DOUBLE':
      return typeof j === 'string' ? Number(j) : j;
    default:
      return j;
  }
}
