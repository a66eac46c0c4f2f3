/**
 * Arroyo's spelling of a connection table body's `schema` (its `ConnectionSchema`): fields as
 * `{ name, type: 'string', required }` rather than `{ name, data_type: 'TEXT', nullable }`, and the
 * format and bad-data policy inside the schema (`format: { type: 'json' }`,
 * `bad_data: { behavior: 'drop' }`) rather than in `config.format` / `config.sink.onError`. What
 * means the same here is read as ours; the rest is refused naming what to write instead.
 */

import type { SqlType } from '../../schema/sql-type.js';
import type { Column } from '../model.js';
import type { Reporter } from './validate.js';

/** Arroyo's field types (and their serde aliases) that are one of ours. */
const FIELD_TYPES: Readonly<Record<string, SqlType>> = {
  string: 'TEXT',
  utf8: 'TEXT',
  int32: 'INTEGER',
  int64: 'BIGINT',
  float32: 'DOUBLE',
  f32: 'DOUBLE',
  float64: 'DOUBLE',
  f64: 'DOUBLE',
  bool: 'BOOLEAN',
  bytes: 'BYTEA',
  binary: 'BYTEA',
  timestamp: 'TIMESTAMP',
  json: 'JSON',
};

/** Keys of Arroyo's schema besides `fields`. */
export const ARROYO_SCHEMA_KEYS = ['format', 'bad_data', 'framing', 'primary_keys', 'definition', 'inferred'];
/** Keys of an Arroyo field (`unit`: a timestamp's, read as our TIMESTAMP whatever it is). */
export const ARROYO_FIELD_KEYS = ['name', 'type', 'required', 'sql_name', 'metadata_key', 'unit'];

/** Whether a field is written Arroyo's way (`type`, not `data_type`). */
export function isArroyoField(field: Record<string, unknown>): boolean {
  return field.type !== undefined && field.data_type === undefined;
}

/** A column from an Arroyo field at `path` (`schema.fields[i]`). */
export function arroyoColumn(r: Reporter, path: string, field: Record<string, unknown>): Column {
  r.knownKeys(field, ARROYO_FIELD_KEYS, `${path}.`);
  if (typeof field.name !== 'string' || field.name === '') {
    r.failOption(`${path}.name`, `must be a non-empty string (${r.got(undefined, field.name)})`);
  }
  const name = typeof field.type === 'string' ? field.type.toLowerCase() : '';
  const type = Object.hasOwn(FIELD_TYPES, name) ? FIELD_TYPES[name] : undefined;
  if (type === undefined) {
    r.failOption(
      `${path}.type`,
      `must be an Arroyo type this sink writes (${Object.keys(FIELD_TYPES).join(', ')}), or give 'data_type' as this connector spells it (${r.got(undefined, field.type)})`,
    );
  }
  if (field.metadata_key != null) {
    r.failOption(
      `${path}.metadata_key`,
      'applies to lookup tables, which are declared in SQL (docs/lookup.md)',
    );
  }
  if (field.required !== undefined && typeof field.required !== 'boolean') {
    r.failOption(`${path}.required`, `must be true or false (${r.got(undefined, field.required)})`);
  }
  return { name: field.name, type, nullable: field.required !== true };
}

/** What Arroyo's schema says of the format and of bad rows, in our values. */
export interface ArroyoSchemaOptions {
  format?: 'json' | 'raw';
  onError?: 'fail' | 'skip';
}

/** Reads `format`, `bad_data` and the keys with no meaning here from an Arroyo schema. */
export function arroyoSchemaOptions(r: Reporter, schema: Record<string, unknown>): ArroyoSchemaOptions {
  const out: ArroyoSchemaOptions = {};
  if (schema.format != null) {
    const format = r.object('schema.format', schema.format, 'a JSON object ({ "type": "json" })');
    const type = typeof format.type === 'string' ? format.type.toLowerCase() : undefined;
    if (type === 'json') out.format = 'json';
    else if (type === 'raw_string' || type === 'raw_bytes') out.format = 'raw';
    else {
      r.failOption(
        'schema.format.type',
        `must be 'json', 'raw_string' or 'raw_bytes' (${r.got(undefined, format.type)}); 'config.format' takes 'json' or 'raw'`,
      );
    }
  }
  if (schema.bad_data != null) {
    const bad = r.object('schema.bad_data', schema.bad_data, 'a JSON object ({ "behavior": "drop" })');
    if (bad.behavior === 'fail') out.onError = 'fail';
    else if (bad.behavior === 'drop') out.onError = 'skip';
    else {
      r.failOption(
        'schema.bad_data.behavior',
        `must be 'fail' or 'drop' (${r.got(undefined, bad.behavior)}); 'config.sink.onError' also takes 'dead_letter'`,
      );
    }
  }
  if (schema.framing != null) {
    r.failOption(
      'schema.framing',
      "frames a source's messages; a Redis sink writes one value per row (no equivalent)",
    );
  }
  if (schema.definition != null) {
    r.failOption(
      'schema.definition',
      "is a source's schema definition (no equivalent): give the columns in 'schema.fields'",
    );
  }
  if (Array.isArray(schema.primary_keys) ? schema.primary_keys.length > 0 : schema.primary_keys != null) {
    r.failOption(
      'schema.primary_keys',
      "has no meaning for a sink table: its key comes from the target's key options",
    );
  }
  return out;
}
