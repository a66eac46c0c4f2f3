/**
 * Everything that differs between the column types, one row per {@link SqlType}: how a schema may
 * spell it, where it sits among the numeric types, how values of it are read from untyped
 * sources and from Redis text, compared, used as Map keys and kept in checkpoint state. The
 * modules that need one of these facts (column-types.ts, expr-type.ts, cast.ts, values.ts, the
 * state codec, the lookup row decoder) read this table instead of switching on the type; a new
 * column type is one more row. Values are non-null: callers handle SQL NULL before.
 */

import {
  type Conversion,
  toBoolean,
  toBytes,
  toDouble,
  toInteger,
  toText,
  toTimestamp,
} from './conversions.js';
import type { SqlType } from './sql-type.js';
import { jsonValueOf, normInt } from './value-forms.js';

/** Three-way comparison of two non-null values of one (common) type. */
export type Comparator = (a: unknown, b: unknown) => number;

/** Equality of two non-null values of one (common) type. */
export type Equality = (a: unknown, b: unknown) => boolean;

/** The facts of one column type. */
export interface SqlTypeFacts {
  /**
   * Other spellings a schema may use, upper case with single spaces (`VARCHAR`). Length or
   * precision arguments (`VARCHAR(64)`) are accepted and ignored: values are never truncated.
   */
  readonly aliases: readonly string[];
  /** Place in the numeric widening INTEGER → BIGINT → DOUBLE; undefined: not numeric. */
  readonly numericRank?: number;
  /** An integral numeric type. */
  readonly integer: boolean;
  /** Has an order (`<`, MIN, MAX, ORDER BY). */
  readonly ordered: boolean;
  /**
   * A value from an untyped source (a JSON-lines file, an ingest producer) as this type: the
   * conversions of CAST, except that JSON takes the value as it is and BYTEA decodes base64 text.
   */
  readonly coerce: Conversion;
  /**
   * The type's text as Redis holds it (a raw string, a hash field) read back: TEXT as it is, BYTEA
   * its bytes, JSON parsed, others coerced from their text.
   */
  readonly fromText: Conversion;
  /**
   * Numbers by value (number and bigint mix exactly: relational operators compare them by
   * value), TEXT by UTF-16 code units, TIMESTAMP by instant, false < true, BYTEA bytewise; JSON
   * by its text (the compiler refuses to order JSON; this serves grouping).
   */
  readonly compare: Comparator;
  readonly equals: Equality;
  /**
   * A Map key standing for a value, or null for null: equal values give equal keys within one
   * type (TIMESTAMP by instant, BYTEA by bytes, JSON by its text, numbers by value).
   */
  readonly mapKey: (v: unknown) => unknown;
  /**
   * The value in checkpoint state (JSON), in its plainest form, and back exactly: TIMESTAMP as
   * ISO-8601 text, a bigint as its decimal text, BYTEA as base64, a non-finite DOUBLE as its name.
   */
  readonly toState: (v: unknown) => unknown;
  readonly fromState: (j: unknown) => unknown;
}

const same = (v: unknown): unknown => v;
const sameValue = (a: unknown, b: unknown): boolean => a === b;

const compareNumbers: Comparator = (a, b) =>
  (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
const compareStrings: Comparator = (a, b) =>
  (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
// biome-ignore lint/suspicious/noDoubleEquals: intended numeric equality across number/bigint
const numbersEqual: Equality = (a, b) => a == b;
const numberKey = (v: unknown): unknown => (typeof v === 'bigint' ? `n${v}` : v);
const intState = (v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);
const intFromState = (j: unknown): unknown => (typeof j === 'string' ? normInt(BigInt(j)) : j);
const jsonText = (v: unknown): string => JSON.stringify(v);

/** The integer types differ only in their range, which their coercion checks. */
function integerType(
  to: 'INTEGER' | 'BIGINT',
  aliases: readonly string[],
  numericRank: number,
): SqlTypeFacts {
  const coerce = (v: unknown): unknown => toInteger(v, to);
  return {
    aliases,
    numericRank,
    integer: true,
    ordered: true,
    coerce,
    fromText: coerce,
    compare: compareNumbers,
    equals: numbersEqual,
    mapKey: numberKey,
    toState: intState,
    fromState: intFromState,
  };
}

/** Every column type, in the order messages list them. */
export const SQL_TYPE_TABLE: Readonly<Record<SqlType, SqlTypeFacts>> = {
  TEXT: {
    aliases: ['VARCHAR', 'CHARACTER VARYING', 'CHAR VARYING', 'STRING'],
    integer: false,
    ordered: true,
    coerce: toText,
    fromText: same,
    compare: compareStrings,
    equals: sameValue,
    mapKey: same,
    toState: same,
    fromState: same,
  },
  BIGINT: integerType('BIGINT', ['INT8', 'INT64'], 2),
  INTEGER: integerType('INTEGER', ['INT', 'INT4'], 1),
  DOUBLE: {
    aliases: ['DOUBLE PRECISION', 'FLOAT', 'FLOAT8', 'FLOAT64'],
    numericRank: 3,
    integer: false,
    ordered: true,
    coerce: toDouble,
    fromText: toDouble,
    compare: compareNumbers,
    equals: numbersEqual,
    mapKey: numberKey,
    toState: (v) => (Number.isFinite(v) ? v : String(v)),
    fromState: (j) => (typeof j === 'string' ? Number(j) : j),
  },
  BOOLEAN: {
    aliases: ['BOOL'],
    integer: false,
    ordered: true,
    coerce: toBoolean,
    fromText: toBoolean,
    compare: (a, b) => Number(a) - Number(b),
    equals: sameValue,
    mapKey: same,
    toState: same,
    fromState: same,
  },
  TIMESTAMP: {
    aliases: ['TIMESTAMP WITHOUT TIME ZONE'],
    integer: false,
    ordered: true,
    coerce: toTimestamp,
    fromText: toTimestamp,
    compare: (a, b) => (a as Date).getTime() - (b as Date).getTime(),
    equals: (a, b) => (a as Date).getTime() === (b as Date).getTime(),
    mapKey: (v) => (v === null ? null : (v as Date).getTime()),
    toState: (v) => (v as Date).toISOString(),
    fromState: toTimestamp,
  },
  JSON: {
    aliases: ['JSONB'],
    integer: false,
    ordered: false,
    coerce: jsonValueOf,
    fromText: (v) => JSON.parse(String(v)),
    compare: (a, b) => {
      const x = jsonText(a);
      const y = jsonText(b);
      return x < y ? -1 : x > y ? 1 : 0;
    },
    equals: (a, b) => jsonText(a) === jsonText(b),
    mapKey: (v) => (v === null ? null : `j${jsonText(v)}`),
    toState: same,
    fromState: same,
  },
  BYTEA: {
    aliases: ['BYTES', 'BLOB'],
    integer: false,
    ordered: true,
    coerce: (v) => toBytes(v, 'base64'),
    fromText: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8')),
    compare: (a, b) => Buffer.compare(a as Buffer, b as Buffer),
    equals: (a, b) => (a as Buffer).equals(b as Buffer),
    mapKey: (v) => (v === null ? null : `b${(v as Buffer).toString('base64')}`),
    toState: (v) => (v as Buffer).toString('base64'),
    fromState: (j) => Buffer.from(j as string, 'base64'),
  },
};

/** The facts of the type of a NULL literal, which meets any type: none of its values is non-null. */
export const NULL_TYPE_FACTS: Pick<SqlTypeFacts, 'compare' | 'equals' | 'mapKey' | 'toState' | 'fromState'> =
  {
    compare: compareNumbers,
    equals: sameValue,
    mapKey: same,
    toState: same,
    fromState: same,
  };
