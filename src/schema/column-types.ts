/**
 * Column type names accepted in a schema, with their common aliases. One table serves the JSON
 * `data_type` strings and the SQL DDL column types, so both front doors accept the same names.
 */

import type { SqlType } from './sql-type.js';

/**
 * Accepted spellings (upper case, single spaces) and the type they mean. Length or precision
 * arguments (`VARCHAR(64)`, `TIMESTAMP(3)`) are accepted and ignored: values are written as
 * text or JSON, never truncated.
 */
export const TYPE_ALIASES: Readonly<Record<string, SqlType>> = {
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
};

/** The canonical names, for messages. */
export const SQL_TYPES: readonly SqlType[] = [
  'TEXT',
  'BIGINT',
  'INTEGER',
  'DOUBLE',
  'BOOLEAN',
  'TIMESTAMP',
  'JSON',
  'BYTEA',
];

/**
 * The type a spelled name means (case-insensitive, arguments in parentheses ignored), or
 * undefined when the name is not supported.
 */
export function lookupType(spelled: string): SqlType | undefined {
  const name = spelled
    .replace(/\([^)]*\)/g, ' ')
    .trim()
    .replace(/\s+/g, ' ')
    .toUpperCase();
  return Object.hasOwn(TYPE_ALIASES, name) ? TYPE_ALIASES[name] : undefined;
}
