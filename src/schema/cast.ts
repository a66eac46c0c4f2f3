/**
 * Conversions between SQL types: `CAST(x AS T)` and the coercion of values read from untyped
 * sources (JSON lines, ingest) to their declared column types. A conversion that fails throws a
 * {@link ConversionError}; the compiled expression turns it into an SqlEvalError with the
 * position of the CAST (or NULL for TRY_CAST).
 */

import { type Conversion, parseJson, toBytes } from './conversions.js';
import type { ExprType } from './expr-type.js';
import type { SqlType } from './sql-type.js';
import { SQL_TYPE_TABLE } from './sql-type-table.js';
import { jsonValueOf } from './value-forms.js';

export { type Conversion, ConversionError, toTimestamp } from './conversions.js';

const same: Conversion = (v) => v;
const utf8Bytes: Conversion = (v) => toBytes(v, 'utf8');

/** Pairs `CAST` refuses at compile time (no sensible meaning). */
function refused(from: ExprType, to: SqlType): boolean {
  if (from === to || from === 'NULL' || to === 'TEXT' || to === 'JSON' || from === 'JSON') return false;
  if (from === 'BYTEA' || to === 'BYTEA') return from !== 'TEXT';
  if (to === 'TIMESTAMP') return from === 'BOOLEAN' || from === 'DOUBLE';
  if (to === 'BOOLEAN') return from === 'TIMESTAMP';
  if (to === 'DOUBLE') return from === 'TIMESTAMP';
  return false;
}

/**
 * The function of `CAST(x AS to)` for an `x` of type `from`, or undefined when the cast is not
 * allowed. TEXT → JSON parses the text; TEXT → BYTEA takes its UTF-8 bytes; DOUBLE → integer
 * rounds half away from zero; INTEGER range is checked (32 bits), BIGINT too (64 bits);
 * integers ↔ TIMESTAMP are milliseconds since the Unix epoch.
 */
export function castFunction(from: ExprType, to: SqlType): Conversion | undefined {
  if (refused(from, to)) return undefined;
  if (from === to && to !== 'INTEGER') return same;
  // Where CAST reads text differently from a source's coercion: TEXT → JSON parses the text
  // (a source's JSON value is taken as it is), TEXT → BYTEA takes its UTF-8 bytes (not base64).
  if (to === 'JSON') return from === 'TEXT' ? parseJson : jsonValueOf;
  if (to === 'BYTEA') return utf8Bytes;
  return coercion(to);
}

/**
 * How a value read from an untyped source (a JSON-lines file, an ingest producer) becomes a
 * value of its declared column type: the conversions of CAST, except that a JSON column takes
 * the value as it is (a string stays a string) and a BYTEA column decodes base64 text.
 */
export function coercion(to: SqlType): Conversion {
  return SQL_TYPE_TABLE[to].coerce;
}
