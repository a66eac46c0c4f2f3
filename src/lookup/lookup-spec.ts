/**
 * A lookup table as a job spec carries it (`lookups[]`, docs/runtime.md): its SQL statement
 * (`{ sql }`), or its validated model as JSON (`{ model }` — what a SQL script gives when the table
 * names a stored profile or its address was overridden). Both are checked again where the job
 * starts, since a spec travels as JSON.
 */

import { SQL_TYPES } from '../schema/column-types.js';
import type { ConnectionProfile } from '../schema/connection-profile.js';
import { SinkConfigError } from '../schema/errors.js';
import { defineProfile } from '../schema/profile-define.js';
import type { Column } from '../schema/sql-type.js';
import { LookupConfigError } from './errors.js';
import { MAX_LOOKUP_ATTEMPTS, parseLookupTable } from './lookup-config.js';
import type { LookupTable } from './model.js';

/** A lookup table in a job spec. */
export type LookupSpec = { sql: string } | { model: LookupTable };

/**
 * The validated lookup table of a spec entry.
 *
 * @throws SqlSyntaxError, LookupConfigError naming the table and the field.
 */
export async function lookupTableOf(spec: LookupSpec): Promise<LookupTable> {
  return 'sql' in spec ? parseLookupTable(spec.sql) : validateLookupModel(spec.model);
}

const ENUMS = {
  keySource: ['metadata', 'primary_key'],
  valueType: ['string', 'hash'],
  format: ['json', 'raw'],
  hashFetch: ['fields', 'all'],
  badValue: ['fail', 'null'],
} as const;

/**
 * Checks a lookup table model given as JSON and returns a normalized copy: the fields of
 * {@link LookupTable} with their types, the key column (and a raw table's value column) among the
 * columns, the profile through the sink's profile validator.
 *
 * @throws LookupConfigError naming the table and the field.
 */
export function validateLookupModel(input: unknown): LookupTable {
  const m = isObject(input) ? input : {};
  const name = typeof m.name === 'string' && m.name !== '' ? m.name : undefined;
  const fail = (field: string, problem: string): never => {
    throw new LookupConfigError(`table '${name ?? '?'}': model field '${field}' ${problem}`, {
      table: name,
      option: field,
    });
  };
  if (!isObject(input)) fail('model', 'must be an object');
  if (name === undefined) fail('name', 'must be a non-empty string');
  const columns = Array.isArray(m.columns) ? m.columns.map((c, i) => column(c, i, fail)) : [];
  if (columns.length < 2) fail('columns', 'must list the key column and at least one value column');
  const names = columns.map((c) => c.name);
  const keyColumn = typeof m.keyColumn === 'string' ? m.keyColumn : '';
  if (!names.includes(keyColumn)) fail('keyColumn', `must name one of the columns (${names.join(', ')})`);
  const pick = <K extends keyof typeof ENUMS>(field: K): (typeof ENUMS)[K][number] => {
    const v = m[field];
    if (!(ENUMS[field] as readonly unknown[]).includes(v))
      fail(field, `must be one of ${ENUMS[field].map((e) => `'${e}'`).join(', ')}`);
    return v as (typeof ENUMS)[K][number];
  };
  const positive = (field: string, max = Number.MAX_SAFE_INTEGER): number => {
    const v = m[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > max)
      fail(field, `must be an integer from 1 to ${max}`);
    return v as number;
  };
  let profile: ConnectionProfile;
  try {
    profile = defineProfile(m.profile as ConnectionProfile);
  } catch (e) {
    if (e instanceof SinkConfigError) throw LookupConfigError.from(e);
    throw e;
  }
  const out: LookupTable = {
    name: name as string,
    profile,
    columns,
    keyColumn,
    keySource: pick('keySource'),
    keyPrefix: typeof m.keyPrefix === 'string' ? m.keyPrefix : fail('keyPrefix', 'must be a string'),
    valueType: pick('valueType'),
    format: pick('format'),
    hashFetch: pick('hashFetch'),
    cache: null,
    timeoutMs: positive('timeoutMs'),
    maxAttempts: positive('maxAttempts', MAX_LOOKUP_ATTEMPTS),
    badValue: pick('badValue'),
  };
  if (m.readFrom !== undefined) {
    if (m.readFrom !== 'replica') fail('readFrom', "must be 'replica' or absent");
    if (profile.connection.kind !== 'sentinel') fail('readFrom', 'needs a Sentinel connection');
    out.readFrom = 'replica';
  }
  const keyType = columns.find((c) => c.name === keyColumn)?.type;
  if (keyType !== 'TEXT' && (out.keySource === 'metadata' || (keyType !== 'INTEGER' && keyType !== 'BIGINT')))
    fail('keyColumn', `names a ${keyType} column; a key column is TEXT, INTEGER or BIGINT (METADATA: TEXT)`);
  if (out.keySource === 'metadata' && out.keyPrefix !== '')
    fail('keyPrefix', "must be '' for a METADATA FROM 'key' column");
  if (out.format === 'raw') {
    const values = names.filter((n) => n !== keyColumn);
    if (values.length !== 1 || m.valueColumn !== values[0])
      fail('valueColumn', 'must name the one value column of a raw table');
    out.valueColumn = values[0];
  }
  if (m.cache !== null && m.cache !== undefined) {
    const c = isObject(m.cache) ? m.cache : fail('cache', 'must be an object or null');
    const maxBytes = c.maxBytes;
    const ttlMs = c.ttlMs ?? null;
    if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 1)
      fail('cache.maxBytes', 'must be a positive integer');
    if (ttlMs !== null && (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs < 1))
      fail('cache.ttlMs', 'must be a positive integer or null');
    if (typeof c.negative !== 'boolean') fail('cache.negative', 'must be true or false');
    out.cache = {
      maxBytes: maxBytes as number,
      ttlMs: ttlMs as number | null,
      negative: c.negative as boolean,
    };
  }
  return out;
}

function column(v: unknown, i: number, fail: (field: string, problem: string) => never): Column {
  const c = isObject(v) ? v : fail(`columns[${i}]`, 'must be an object { name, type, nullable }');
  if (typeof c.name !== 'string' || c.name === '') fail(`columns[${i}].name`, 'must be a non-empty string');
  if (!SQL_TYPES.includes(c.type as never))
    fail(`columns[${i}].type`, `must be one of ${SQL_TYPES.join(', ')}`);
  return { name: c.name as string, type: c.type as Column['type'], nullable: c.nullable !== false };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
