/**
 * Validation of the parts of a job spec that SQL scripts produce: declared source columns
 * (`sources[].columns`, generator columns with their options) and queries (`queries[]`).
 */

import { SQL_TYPES } from '../schema/column-types.js';
import type { Column, SqlType } from '../schema/sql-type.js';
import { type GeneratorColumn, generatorColumnProblem } from './column-generator.js';
import { JobSpecError } from './job-spec-error.js';
import { nestedTooDeep } from './json-depth.js';

/** Deepest nesting of arrays and objects in one value of a generator column's `values`. */
export const MAX_VALUE_DEPTH = 32;

/** One `INSERT INTO ... SELECT` of a job (docs/runtime.md, "Queries"). */
export interface QuerySpec {
  /** The statement's text. */
  sql: string;
  /** Where the text starts in the script it came from (1-based), so errors point into the script. */
  line?: number;
  column?: number;
}

const GENERATOR_COLUMN_KEYS = [
  'name',
  'type',
  'kind',
  'values',
  'min',
  'max',
  'cardinality',
  'nullRate',
  'perPartition',
  'stepMs',
];

function record(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new JobSpecError(at, 'must be an object');
  return v as Record<string, unknown>;
}

function columnBase(
  v: unknown,
  at: string,
  known: readonly string[],
): { c: Record<string, unknown>; name: string; type: SqlType } {
  const c = record(v, at);
  for (const k of Object.keys(c))
    if (!known.includes(k)) throw new JobSpecError(`${at}.${k}`, 'unknown field');
  if (typeof c.name !== 'string' || c.name === '')
    throw new JobSpecError(`${at}.name`, 'must be a non-empty string');
  if (!SQL_TYPES.includes(c.type as SqlType))
    throw new JobSpecError(`${at}.type`, `must be one of ${SQL_TYPES.join(', ')}`);
  return { c, name: c.name, type: c.type as SqlType };
}

function columnList<T extends { name: string }>(
  v: unknown,
  at: string,
  one: (x: unknown, at: string) => T,
): T[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0) throw new JobSpecError(at, 'must be a non-empty array');
  const out = v.map((x, i) => one(x, `${at}[${i}]`));
  const seen = new Set<string>();
  for (const c of out) {
    if (seen.has(c.name)) throw new JobSpecError(at, `column ${c.name} is declared twice`);
    seen.add(c.name);
  }
  return out;
}

/** `columns` of a JSON-lines or ingest source: `[{ name, type, nullable? }]`. */
export function parseColumns(v: unknown, at: string): Column[] | undefined {
  return columnList(v, at, (x, a) => {
    const { c, name, type } = columnBase(x, a, ['name', 'type', 'nullable']);
    if (c.nullable !== undefined && typeof c.nullable !== 'boolean')
      throw new JobSpecError(`${a}.nullable`, 'must be a boolean');
    return { name, type, nullable: c.nullable !== false };
  });
}

/** `columns` of a generator source (column-generator.ts). */
export function parseGeneratorColumns(v: unknown, at: string): GeneratorColumn[] | undefined {
  return columnList(v, at, (x, a) => {
    const { c } = columnBase(x, a, GENERATOR_COLUMN_KEYS);
    if (Array.isArray(c.values)) {
      for (const [i, v] of c.values.entries()) {
        if (nestedTooDeep(v, MAX_VALUE_DEPTH) !== undefined) {
          throw new JobSpecError(`${a}.values[${i}]`, `nests deeper than ${MAX_VALUE_DEPTH} levels`);
        }
      }
    }
    const column = c as unknown as GeneratorColumn;
    const problem = generatorColumnProblem(column);
    if (problem !== undefined) throw new JobSpecError(a, problem);
    return column;
  });
}

/** `queries`: `[{ sql, line?, column? }]`. */
export function parseQueries(v: unknown): QuerySpec[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new JobSpecError('queries', 'must be an array');
  return v.map((x, i) => {
    const at = `queries[${i}]`;
    const q = record(x, at);
    for (const k of Object.keys(q)) {
      if (!['sql', 'line', 'column'].includes(k)) throw new JobSpecError(`${at}.${k}`, 'unknown field');
    }
    if (typeof q.sql !== 'string' || q.sql.trim() === '')
      throw new JobSpecError(`${at}.sql`, 'must be a non-empty string');
    for (const k of ['line', 'column'] as const) {
      const n = q[k];
      if (n !== undefined && !(Number.isSafeInteger(n) && (n as number) >= 1)) {
        throw new JobSpecError(`${at}.${k}`, 'must be an integer >= 1');
      }
    }
    const out: QuerySpec = { sql: q.sql };
    if (q.line !== undefined) out.line = q.line as number;
    if (q.column !== undefined) out.column = q.column as number;
    return out;
  });
}
