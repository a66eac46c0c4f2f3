import type { SqlType } from './sql-type.js';
import { SQL_TYPE_TABLE } from './sql-type-table.js';
/**
 * Column type names accepted in a schema, with their common aliases. One table serves the JSON
 * `data_type` strings and the SQL DDL column types, so both front doors accept the same names.
 */

/** The canonical names, for messages. */
export const SQL_TYPES: readonly SqlType[] = Object.keys(SQL_TYPE_TABLE) as SqlType[];

/**
 * Accepted spellings (upper case, single spaces) and the type they mean: each canonical name and
 * its aliases (sql-type-table.ts). Length or precision arguments (`VARCHAR(64)`, `TIMESTAMP(3)`)
 * are accepted and ignored: values are written as text or JSON, never truncated.
 */
export const TYPE_ALIASES: Readonly<Record<string, SqlType>> = Object.fromEntries(
  SQL_TYPES.flatMap((type) => [type, ...SQL_TYPE_TABLE[type].aliases].map((name) => [name, type])),
);

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
