/**
 * The validated model of a lookup table: Redis read as a table for enrichment joins
 * (`FROM stream s [LEFT | INNER] JOIN lookup_table t ON s.col = t.key_col`). Plain data (no
 * functions, no bigint), so it can travel to workers as JSON like a sink model. Secrets in the
 * profile stay `{{ VAR }}` until the process that connects resolves them.
 */

import type { ConnectionProfile } from '../schema/connection-profile.js';
import type { Column } from '../schema/sql-type.js';

/** How the key column is declared. */
export type KeySource =
  /** `key_col TEXT METADATA FROM 'key'`: the column holds the whole Redis key (no prefix). */
  | 'metadata'
  /** `key_col ... PRIMARY KEY` (or a `PRIMARY KEY (key_col)` constraint): key = prefix + text(value). */
  | 'primary_key';

/** What the Redis key holds. */
export type LookupValueType =
  /** A string: a JSON object (`format = 'json'`) or the one value column's content (`'raw'`). */
  | 'string'
  /** A hash whose fields are the value columns. */
  | 'hash';

/** How a hash-backed table reads its hash. */
export type HashFetch =
  /** `HMGET key col1 col2 ...`: only the declared columns. */
  | 'fields'
  /** `HGETALL key`: the whole hash (an empty or missing hash is a miss). */
  | 'all';

/** What happens to a stored value that does not fit the columns. */
export type BadValuePolicy =
  /** The lookup fails with `LookupValueError` (`ERR_LOOKUP_VALUE`). */
  | 'fail'
  /** The column becomes null; a value that is not a JSON object at all counts as a miss. */
  | 'null';

/** The cache of a lookup table. */
export interface LookupCacheConfig {
  /** Upper bound of the cache's estimated size (keys + values), bytes. */
  maxBytes: number;
  /** How long an entry is served before Redis is asked again, ms; null: until evicted. */
  ttlMs: number | null;
  /** Cache misses too (a key absent from Redis stays absent until its entry expires). */
  negative: boolean;
}

/** Cache size when only `'lookup.cache.ttl'` is given: 64 MiB. */
export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Longest one batch may take, retries included, ms (`'lookup.timeout'`). */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 2_000;
/** Attempts per batch (`'lookup.max_attempts'`). */
export const DEFAULT_LOOKUP_MAX_ATTEMPTS = 3;

/** A lookup table: a `CREATE TEMPORARY TABLE` or `CREATE TABLE ... WITH (type = 'lookup')`, validated. */
export interface LookupTable {
  name: string;
  profile: ConnectionProfile;
  /** Every declared column, in declared order; the key column is one of them. */
  columns: Column[];
  /** The column the join compares with: its value makes the Redis key. */
  keyColumn: string;
  keySource: KeySource;
  /** Prepended to the text of the joined value; '' for a METADATA FROM 'key' column. */
  keyPrefix: string;
  valueType: LookupValueType;
  /** Format of string values (`'json'` default); `'json'` for hashes, where it does not apply. */
  format: 'json' | 'raw';
  /** `'raw'` format: the one column that receives the string. */
  valueColumn?: string;
  /** Hash tables: HMGET of the declared fields (default) or HGETALL. */
  hashFetch: HashFetch;
  /** null: no cache, every batch reads Redis. */
  cache: LookupCacheConfig | null;
  /** Longest one batch may take, retries included, ms. */
  timeoutMs: number;
  /** Attempts per batch before a LookupError. */
  maxAttempts: number;
  badValue: BadValuePolicy;
  /**
   * `'replica'`: read from a replica the Sentinels list as healthy (a Sentinel connection only).
   * Unset: from the primary.
   */
  readFrom?: 'replica';
}

/**
 * A row of a lookup table: every declared column, in declared order, with the SQL engine's
 * run-time value types (sql/types.ts) and null for absent values. Shared with the cache: read-only.
 */
export type LookupRow = Record<string, unknown>;

/** The columns read from Redis: every column but the key column. */
export function valueColumns(table: LookupTable): Column[] {
  return table.columns.filter((c) => c.name !== table.keyColumn);
}
