/**
 * The canonical forms of a non-null SQL value: a BIGINT/INTEGER in its one JavaScript form, and
 * the text and JSON forms used by CAST, CONCAT and JSON_OBJECT. Leaf of the value modules: the
 * per-type table (sql-type-table.ts) and the conversions build on it.
 */

import { dateText, numberText } from './text.js';

/** A BIGINT/INTEGER value. */
export type IntValue = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A bigint result in its canonical form: a number when safe. */
export function normInt(b: bigint): IntValue {
  return b >= -MAX_SAFE && b <= MAX_SAFE ? Number(b) : b;
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
