import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { castFunction, coercion } from '../../src/schema/cast.js';
import { lookupType, SQL_TYPES, TYPE_ALIASES } from '../../src/schema/column-types.js';
import {
  parseJson,
  toBoolean,
  toBytes,
  toDouble,
  toInteger,
  toText,
  toTimestamp,
} from '../../src/schema/conversions.js';
import { commonType, type ExprType, isInteger, isNumeric, isOrdered } from '../../src/schema/expr-type.js';
import type { SqlType } from '../../src/schema/sql-type.js';
import { SQL_TYPE_TABLE } from '../../src/schema/sql-type-table.js';
import { comparatorOf, equalityOf, jsonValueOf, mapKeyOf, normInt } from '../../src/schema/values.js';
import { decodeValue, encodeValue } from '../../src/sql/state-codec.js';

/**
 * The per-type table must answer exactly as the switches it replaced. Those switches, kept here
 * as the reference:
 */
const reference = {
  coercion(to: SqlType): (v: unknown) => unknown {
    switch (to) {
      case 'TEXT':
        return toText;
      case 'INTEGER':
      case 'BIGINT':
        return (v) => toInteger(v, to);
      case 'DOUBLE':
        return toDouble;
      case 'BOOLEAN':
        return toBoolean;
      case 'TIMESTAMP':
        return toTimestamp;
      case 'JSON':
        return jsonValueOf;
      case 'BYTEA':
        return (v) => toBytes(v, 'base64');
    }
  },
  compare(t: ExprType, a: unknown, b: unknown): number {
    const cmp = (x: unknown, y: unknown) =>
      (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
    switch (t) {
      case 'TEXT':
        return cmp(a, b);
      case 'TIMESTAMP':
        return (a as Date).getTime() - (b as Date).getTime();
      case 'BOOLEAN':
        return Number(a) - Number(b);
      case 'BYTEA':
        return Buffer.compare(a as Buffer, b as Buffer);
      case 'JSON':
        return cmp(JSON.stringify(a), JSON.stringify(b));
      default:
        return cmp(a, b);
    }
  },
  equals(t: ExprType, a: unknown, b: unknown): boolean {
    switch (t) {
      case 'INTEGER':
      case 'BIGINT':
      case 'DOUBLE':
        // biome-ignore lint/suspicious/noDoubleEquals: the reference's numeric equality
        return a == b;
      case 'TIMESTAMP':
        return (a as Date).getTime() === (b as Date).getTime();
      case 'BYTEA':
        return (a as Buffer).equals(b as Buffer);
      case 'JSON':
        return JSON.stringify(a) === JSON.stringify(b);
      default:
        return a === b;
    }
  },
  mapKey(t: ExprType, v: unknown): unknown {
    switch (t) {
      case 'TIMESTAMP':
        return v === null ? null : (v as Date).getTime();
      case 'BYTEA':
        return v === null ? null : `b${(v as Buffer).toString('base64')}`;
      case 'JSON':
        return v === null ? null : `j${JSON.stringify(v)}`;
      case 'INTEGER':
      case 'BIGINT':
      case 'DOUBLE':
        return typeof v === 'bigint' ? `n${v}` : v;
      default:
        return v;
    }
  },
  encode(t: ExprType, v: unknown): unknown {
    if (v === null) return null;
    switch (t) {
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
  },
  decode(t: ExprType, j: unknown): unknown {
    if (j === null || j === undefined) return null;
    switch (t) {
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
  },
  fromText(t: SqlType): (v: unknown) => unknown {
    if (t === 'TEXT') return (v) => v;
    if (t === 'BYTEA') return (v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8'));
    if (t === 'JSON') return (v) => JSON.parse(String(v));
    return reference.coercion(t);
  },
  cast(from: ExprType, to: SqlType): ((v: unknown) => unknown) | undefined {
    const fn = castFunction(from, to); // refusal is not part of the table: compare only the function
    if (fn === undefined) return undefined;
    if (from === to && to !== 'INTEGER') return (v) => v;
    if (to === 'TEXT') return toText;
    if (to === 'JSON') return from === 'TEXT' ? parseJson : jsonValueOf;
    if (to === 'BYTEA') return (v) => toBytes(v, 'utf8');
    return reference.coercion(to);
  },
};

/** Non-null values of each type, in their run-time form. */
const valuesOf: Record<SqlType, fc.Arbitrary<unknown>> = {
  TEXT: fc.string({ maxLength: 6 }),
  INTEGER: fc.integer(),
  BIGINT: fc.oneof(
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => normInt(b)),
  ),
  DOUBLE: fc.double(),
  BOOLEAN: fc.boolean(),
  TIMESTAMP: fc.date({ noInvalidDate: true }),
  JSON: fc.jsonValue({ maxDepth: 2 }),
  BYTEA: fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)),
};

/** What an untyped source or a CAST may hand over. */
const anyInput = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom(
    '1',
    '-7',
    '2.5',
    'true',
    'off',
    '2024-05-01 12:00:00',
    '2024-05-01T12:00:00+02:00',
    '{"a":1}',
    '[1,',
  ),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.boolean(),
  fc.date(),
  fc.uint8Array({ maxLength: 4 }).map((a) => Buffer.from(a)),
);

/** The result of a conversion, or its error message. */
function outcome(fn: (v: unknown) => unknown, v: unknown): unknown {
  try {
    return { ok: fn(v) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const TYPES = [...SQL_TYPES, 'NULL'] as const;

describe('SQL type table', () => {
  it('spellings: the same names and aliases as before, in the same order', () => {
    expect(SQL_TYPES).toEqual([
      'TEXT',
      'BIGINT',
      'INTEGER',
      'DOUBLE',
      'BOOLEAN',
      'TIMESTAMP',
      'JSON',
      'BYTEA',
    ]);
    expect(Object.entries(TYPE_ALIASES)).toEqual(
      Object.entries({
        TEXT: 'TEXT',
        VARCHAR: 'TEXT',
        'CHARACTER VARYING': 'TEXT',
        'CHAR VARYING': 'TEXT',
        STRING: 'TEXT',
        BIGINT: 'BIGINT',
        INT8: 'BIGINT',
        INT64: 'BIGINT',
        INTEGER: 'INTEGER',
        INT: 'INTEGER',
        INT4: 'INTEGER',
        DOUBLE: 'DOUBLE',
        'DOUBLE PRECISION': 'DOUBLE',
        FLOAT: 'DOUBLE',
        FLOAT8: 'DOUBLE',
        FLOAT64: 'DOUBLE',
        BOOLEAN: 'BOOLEAN',
        BOOL: 'BOOLEAN',
        TIMESTAMP: 'TIMESTAMP',
        'TIMESTAMP WITHOUT TIME ZONE': 'TIMESTAMP',
        JSON: 'JSON',
        JSONB: 'JSON',
        BYTEA: 'BYTEA',
        BYTES: 'BYTEA',
        BLOB: 'BYTEA',
      }),
    );
    expect(lookupType('varchar(64)')).toBe('TEXT');
    expect(lookupType('double   precision')).toBe('DOUBLE');
    expect(lookupType('constructor')).toBeUndefined();
  });

  it('numeric ranks, integers and order: as before', () => {
    for (const t of TYPES) {
      expect(isNumeric(t)).toBe(t === 'INTEGER' || t === 'BIGINT' || t === 'DOUBLE');
      expect(isInteger(t)).toBe(t === 'INTEGER' || t === 'BIGINT');
      expect(isOrdered(t)).toBe(t !== 'JSON');
    }
    expect(commonType('INTEGER', 'DOUBLE')).toBe('DOUBLE');
    expect(commonType('BIGINT', 'INTEGER')).toBe('BIGINT');
    expect(commonType('NULL', 'TEXT')).toBe('TEXT');
    expect(commonType('TEXT', 'BIGINT')).toBeUndefined();
  });

  it('property: comparison, equality, Map keys and checkpoint state match the reference', () => {
    for (const t of SQL_TYPES) {
      fc.assert(
        fc.property(valuesOf[t], valuesOf[t], (a, b) => {
          expect(Math.sign(comparatorOf(t)(a, b))).toBe(Math.sign(reference.compare(t, a, b)));
          expect(equalityOf(t)(a, b)).toBe(reference.equals(t, a, b));
          expect(mapKeyOf(t)(a)).toEqual(reference.mapKey(t, a));
          expect(mapKeyOf(t)(null)).toBe(reference.mapKey(t, null));
          const state = encodeValue(t, a);
          expect(state).toEqual(reference.encode(t, a));
          const json = JSON.parse(JSON.stringify(state));
          expect(outcome((j) => decodeValue(t, j), json)).toEqual(
            outcome((j) => reference.decode(t, j), json),
          );
        }),
        { numRuns: 200 },
      );
    }
    expect(comparatorOf('NULL')(1, 2)).toBe(-1);
    expect(equalityOf('NULL')(null, null)).toBe(true);
    expect(encodeValue('NULL', null)).toBeNull();
  });

  it('property: coercion, text read-back and CAST match the reference, errors included', () => {
    fc.assert(
      fc.property(anyInput, (v) => {
        for (const to of SQL_TYPES) {
          expect(outcome(coercion(to), v)).toEqual(outcome(reference.coercion(to), v));
          expect(outcome(SQL_TYPE_TABLE[to].fromText, v)).toEqual(outcome(reference.fromText(to), v));
          for (const from of TYPES) {
            const cast = castFunction(from, to);
            const ref = reference.cast(from, to);
            if (cast === undefined || ref === undefined) continue;
            expect(outcome(cast, v)).toEqual(outcome(ref, v));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
