/**
 * Schema-driven generated rows: a generator source declared with columns of any SQL type
 * produces, for row `i` of partition `p`, one value per column that is a pure function of
 * `(seed, p, i, column name)` and the column's options — so a replay regenerates the same rows,
 * and tests can compute expected results from the same function.
 *
 * | option        | meaning (default)                                                                  |
 * |---------------|------------------------------------------------------------------------------------|
 * | `kind`        | `random` (default; TIMESTAMP: `sequence`) or `sequence` (derived from `i`)          |
 * | `values`      | pick one of these values (any type)                                                |
 * | `min`, `max`  | numeric range, inclusive for integers (INTEGER 0..1000, BIGINT 0..1000000, DOUBLE 0..1); TIMESTAMP range (ISO-8601) |
 * | `cardinality` | number of distinct values: TEXT `<col>-<x>` and JSON `{"<col>": x}` (1000); integers `min + x` |
 * | `nullRate`    | fraction of NULLs, 0..1 (0)                                                          |
 * | `perPartition`| TEXT only: values `<col>-<p>-<x>`, disjoint between partitions (false)              |
 * | `stepMs`      | TIMESTAMP sequence: `min + i·stepMs` (min 2024-01-01T00:00:00Z, step 1000)           |
 *
 * Sequences: integers `min + i`, DOUBLE `min + i`, TEXT `<col>-<i>` (`<col>-<p>-<i>` per
 * partition), TIMESTAMP as above.
 */

import { isInteger, isNumeric } from '../schema/expr-type.js';
import type { SqlType } from '../schema/sql-type.js';

/** One column of a schema-driven generator (the JSON job spec form). */
export interface GeneratorColumn {
  name: string;
  type: SqlType;
  kind?: 'random' | 'sequence';
  /** Values to pick from, as JSON (TIMESTAMP as ISO-8601 text, BYTEA as base64). */
  values?: unknown[];
  /** Numbers, or ISO-8601 text for TIMESTAMP. */
  min?: number | string;
  max?: number | string;
  cardinality?: number;
  nullRate?: number;
  perPartition?: boolean;
  stepMs?: number;
}

/** Default start of generated timestamps. */
export const DEFAULT_TIMESTAMP_MIN = '2024-01-01T00:00:00.000Z';
const DEFAULT_TIMESTAMP_MAX = '2024-12-31T23:59:59.999Z';
const DEFAULT_CARDINALITY = 1000;
const DEFAULT_RANGE: Partial<Record<SqlType, [number, number]>> = {
  INTEGER: [0, 1000],
  BIGINT: [0, 1_000_000],
  DOUBLE: [0, 1],
};
const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

/** 32-bit mix (murmur3 finaliser). */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hash(seed: number, p: number, i: number, salt: number): number {
  return mix(mix(mix(seed ^ salt) ^ p) ^ (i >>> 0) ^ Math.floor(i / TWO_32));
}

/** FNV-1a of a column name: its salt, so adding a column never changes another's values. */
function salt(name: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < name.length; k++) h = Math.imul(h ^ name.charCodeAt(k), 0x01000193);
  return h >>> 0;
}

function timeOf(v: number | string | undefined, fallback: string): number {
  return new Date(v ?? fallback).getTime();
}

/**
 * Problems with a column's options, or undefined when it is valid. Messages name the option
 * (`values`, `min`, ...).
 */
export function generatorColumnProblem(c: GeneratorColumn): string | undefined {
  const numeric = isNumeric(c.type);
  const integral = isInteger(c.type);
  if (c.kind !== undefined && c.kind !== 'random' && c.kind !== 'sequence')
    return "kind must be 'random' or 'sequence'";
  if (c.kind === 'sequence' && !(numeric || c.type === 'TEXT' || c.type === 'TIMESTAMP')) {
    return `kind 'sequence' needs a TEXT, numeric or TIMESTAMP column, not ${c.type}`;
  }
  if (c.values !== undefined) {
    if (!Array.isArray(c.values) || c.values.length === 0) return 'values must be a non-empty list';
    for (const v of c.values) {
      const bad = valueProblem(c.type, v);
      if (bad !== undefined) return `values: ${bad}`;
    }
  }
  for (const bound of ['min', 'max'] as const) {
    const v = c[bound];
    if (v === undefined) continue;
    if (c.type === 'TIMESTAMP') {
      if (typeof v !== 'string' || Number.isNaN(new Date(v).getTime()))
        return `${bound} must be an ISO-8601 timestamp`;
    } else if (!numeric) return `${bound} applies to numeric and TIMESTAMP columns only`;
    else if (typeof v !== 'number' || !Number.isFinite(v) || (integral && !Number.isSafeInteger(v))) {
      return `${bound} must be ${integral ? 'an integer' : 'a number'}`;
    }
  }
  if (c.min !== undefined && c.max !== undefined) {
    const [lo, hi] =
      c.type === 'TIMESTAMP' ? [timeOf(c.min, ''), timeOf(c.max, '')] : [Number(c.min), Number(c.max)];
    if (lo > hi) return 'min must not be above max';
  }
  if (c.cardinality !== undefined && !(Number.isSafeInteger(c.cardinality) && c.cardinality >= 1)) {
    return 'cardinality must be an integer >= 1';
  }
  if (c.nullRate !== undefined && !(typeof c.nullRate === 'number' && c.nullRate >= 0 && c.nullRate <= 1)) {
    return 'null_rate must be a number within 0..1';
  }
  if (c.perPartition !== undefined && typeof c.perPartition !== 'boolean')
    return 'per_partition must be true or false';
  if (c.perPartition === true && c.type !== 'TEXT') return 'per_partition applies to TEXT columns only';
  if (c.stepMs !== undefined && !(Number.isSafeInteger(c.stepMs) && c.stepMs >= 0))
    return 'step_ms must be an integer >= 0';
  return undefined;
}

function valueProblem(type: SqlType, v: unknown): string | undefined {
  switch (type) {
    case 'TEXT':
      return typeof v === 'string' ? undefined : `${JSON.stringify(v)} is not text`;
    case 'INTEGER':
    case 'BIGINT':
      return Number.isSafeInteger(v) ? undefined : `${JSON.stringify(v)} is not an integer`;
    case 'DOUBLE':
      return typeof v === 'number' && Number.isFinite(v) ? undefined : `${JSON.stringify(v)} is not a number`;
    case 'BOOLEAN':
      return typeof v === 'boolean' ? undefined : `${JSON.stringify(v)} is not true or false`;
    case 'TIMESTAMP':
      return typeof v === 'string' && !Number.isNaN(new Date(v).getTime())
        ? undefined
        : `${JSON.stringify(v)} is not an ISO-8601 timestamp`;
    case 'BYTEA':
      return typeof v === 'string' ? undefined : `${JSON.stringify(v)} is not base64 text`;
    default:
      return undefined;
  }
}

type ValueOf = (p: number, i: number, h: number) => unknown;

function valueFunction(c: GeneratorColumn): ValueOf {
  const name = c.name;
  if (c.values !== undefined) {
    const values = c.values.map((v) =>
      c.type === 'TIMESTAMP'
        ? new Date(v as string)
        : c.type === 'BYTEA'
          ? Buffer.from(v as string, 'base64')
          : v,
    );
    const n = values.length;
    return (_p, _i, h) => values[h % n];
  }
  const sequence = (c.kind ?? (c.type === 'TIMESTAMP' ? 'sequence' : 'random')) === 'sequence';
  const card = c.cardinality ?? DEFAULT_CARDINALITY;
  switch (c.type) {
    case 'TEXT':
      if (sequence) return c.perPartition ? (p, i) => `${name}-${p}-${i}` : (_p, i) => `${name}-${i}`;
      return c.perPartition ? (p, _i, h) => `${name}-${p}-${h % card}` : (_p, _i, h) => `${name}-${h % card}`;
    case 'INTEGER':
    case 'BIGINT':
    case 'DOUBLE': {
      const [dmin, dmax] = DEFAULT_RANGE[c.type]!;
      const min = (c.min as number | undefined) ?? dmin;
      const max =
        (c.max as number | undefined) ??
        (c.min !== undefined && (c.min as number) > dmax ? (c.min as number) : dmax);
      if (sequence) return (_p, i) => min + i;
      if (c.cardinality !== undefined) {
        return c.type === 'DOUBLE'
          ? (_p, _i, h) => min + ((h % card) * (max - min)) / card
          : (_p, _i, h) => min + (h % card);
      }
      if (c.type === 'DOUBLE') return (_p, _i, h) => min + (h / TWO_53) * (max - min);
      const span = max - min + 1;
      return (_p, _i, h) => min + (h % span);
    }
    case 'BOOLEAN':
      return (_p, _i, h) => (h & 1) === 1;
    case 'TIMESTAMP': {
      const min = timeOf(c.min, DEFAULT_TIMESTAMP_MIN);
      if (sequence) {
        const step = c.stepMs ?? 1000;
        return (_p, i) => new Date(min + i * step);
      }
      const span = timeOf(c.max, DEFAULT_TIMESTAMP_MAX) - min + 1;
      return (_p, _i, h) => new Date(min + (h % span));
    }
    case 'JSON':
      return (_p, _i, h) => ({ [name]: h % card });
    case 'BYTEA':
      return (_p, _i, h) => {
        const b = Buffer.allocUnsafe(8);
        b.writeUInt32BE(Math.floor(h / 2097152) >>> 0, 0);
        b.writeUInt32BE(h >>> 0, 4);
        return b;
      };
  }
}

/**
 * The row function of a schema-driven generator: row `i` of partition `p`, one property per
 * column in declared order.
 */
export function columnRowFunction(
  columns: readonly GeneratorColumn[],
  seed: number,
): (p: number, i: number) => Record<string, unknown> {
  const gens = columns.map((c) => {
    const s = salt(c.name);
    const value = valueFunction(c);
    const nullPerMillion = Math.round((c.nullRate ?? 0) * 1_000_000);
    return { name: c.name, s, value, nullPerMillion };
  });
  return (p, i) => {
    const row: Record<string, unknown> = {};
    for (const g of gens) {
      if (g.nullPerMillion > 0 && hash(seed, p, i, g.s ^ 0x27d4eb2f) % 1_000_000 < g.nullPerMillion) {
        row[g.name] = null;
        continue;
      }
      const a = hash(seed, p, i, g.s);
      const b = hash(seed, p, i, g.s ^ 0x5bd1e995);
      // 53 uniform bits from two hashes, for ranges beyond 2^32.
      row[g.name] = g.value(p, i, a * 2097152 + (b >>> 11));
    }
    return row;
  };
}
