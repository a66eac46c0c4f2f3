/**
 * SQL front door of lookup tables:
 *
 * ```sql
 * CREATE TEMPORARY TABLE users (              -- or CREATE TABLE ... WITH (type = 'lookup', ...)
 *   id TEXT METADATA FROM 'key' PRIMARY KEY,  -- or: id TEXT PRIMARY KEY + 'lookup.key_prefix'
 *   name TEXT,
 *   tier INTEGER
 * ) WITH (
 *   connector = 'redis',
 *   address = 'redis://localhost:6379',
 *   format = 'json',
 *   'lookup.cache.max_bytes' = '64MiB',
 *   'lookup.cache.ttl' = '30s'
 * );
 * ```
 *
 * Parsing goes through the sink's parser (sink/config/sql-ddl.ts) after
 * {@link rewriteLookupSyntax}; connection options are checked by the sink's validators, so both
 * kinds of table accept the same addresses, profiles and `{{ VAR }}` secrets. Every problem is
 * one {@link LookupConfigError} naming the table and the option. docs/lookup.md lists the options.
 */

import type { ConnectionProfile, RedisConnection } from '../schema/connection-profile.js';
import { didYouMean } from '../schema/did-you-mean.js';
import { SinkConfigError, type SqlPosition } from '../schema/errors.js';
import type { ProfileField } from '../schema/profile-check.js';
import { checkConnector, checkProfile, PROFILE_SQL_OPTIONS } from '../schema/profile-check.js';
import { type Door, Reporter } from '../schema/reporter.js';
import { loadSqlParser, parseStatements } from '../schema/sql-parser.js';
import { type SqlOption as Entry, ident, isNode, type Node, withOptions } from '../schema/sql-tree.js';
import { TLS_FIELDS, TLS_SQL_OPTIONS } from '../schema/tls-profile.js';
import { lookupEntry } from './arroyo-options.js';
import { LookupConfigError } from './errors.js';
import { tableColumns } from './lookup-columns.js';
import { rewriteLookupSyntax } from './metadata-syntax.js';
import {
  type BadValuePolicy,
  DEFAULT_CACHE_MAX_BYTES,
  DEFAULT_LOOKUP_MAX_ATTEMPTS,
  DEFAULT_LOOKUP_TIMEOUT_MS,
  type HashFetch,
  type LookupCacheConfig,
  type LookupTable,
  type LookupValueType,
} from './model.js';
import { parseByteSize, parseDuration } from './units.js';

/** Options of {@link parseLookupTable}. */
export interface ParseLookupTableOptions {
  /**
   * Where the table reads, whatever its `address` / `'cluster.addresses'` / profile says: one Redis
   * URL (standalone) or several (cluster seeds). Username and password stay the table's. For
   * running statements written for another environment (tests, examples).
   */
  redisAddress?: string | readonly string[];
  /** Profiles a table may name with `connection_profile = 'name'`. */
  profiles?: ReadonlyMap<string, ConnectionProfile> | Readonly<Record<string, ConnectionProfile>>;
}

/** The connection's options as every Redis table spells them (TLS included); the table's name is no option. */
const { name: _tableName, ...CONNECTION_OPTIONS } = PROFILE_SQL_OPTIONS;

const O = {
  ...CONNECTION_OPTIONS,
  type: 'type',
  profile: 'connection_profile',
  format: 'format',
  keyPrefix: 'lookup.key_prefix',
  valueType: 'lookup.value_type',
  hashFetch: 'lookup.hash.fetch',
  cacheMaxBytes: 'lookup.cache.max_bytes',
  cacheTtl: 'lookup.cache.ttl',
  cacheNegative: 'lookup.cache.negative',
  timeout: 'lookup.timeout',
  maxAttempts: 'lookup.max_attempts',
  badValue: 'lookup.bad_value',
  readFrom: 'lookup.read_from',
} as const;

/** Every option a lookup table accepts. */
export const LOOKUP_OPTIONS: readonly string[] = Object.values(O);

/** The most attempts `'lookup.max_attempts'` may ask for. */
export const MAX_LOOKUP_ATTEMPTS = 10;

/**
 * Parses one lookup table declaration: `CREATE TEMPORARY TABLE ... WITH (connector = 'redis', ...)`
 * or `CREATE TABLE ... WITH (connector = 'redis', type = 'lookup', ...)`.
 *
 * @throws SqlSyntaxError with the line and column of a syntax error.
 * @throws LookupConfigError naming the table and the option.
 */
export async function parseLookupTable(
  sql: string,
  options: ParseLookupTableOptions = {},
): Promise<LookupTable> {
  await loadSqlParser();
  return parseLookupTableSync(sql, options);
}

/** {@link parseLookupTable} for callers that awaited `loadSqlParser()` (sink/config/sql-ddl.ts). */
export function parseLookupTableSync(sql: string, options: ParseLookupTableOptions = {}): LookupTable {
  const statements = parseStatements(rewriteLookupSyntax(sql));
  const create = statements.length === 1 && isNode(statements[0]) ? statements[0].CreateTable : undefined;
  if (!isNode(create)) {
    throw new LookupConfigError(
      `expected exactly one CREATE TABLE statement (got ${statements.length} statement${statements.length === 1 ? ' of another kind' : 's'})`,
      {},
    );
  }
  return lookupTableFromStatement(create, options);
}

/**
 * True when a parsed `CREATE TABLE` node declares a lookup table: `CREATE TEMPORARY TABLE`, or a
 * `type = 'lookup'` option. (The connector is not looked at; {@link lookupTableFromStatement}
 * checks it.)
 */
export function isLookupTableStatement(createTable: unknown): boolean {
  if (!isNode(createTable)) return false;
  if (createTable.temporary === true) return true;
  const type = withOptions(createTable.table_options).find((e) => e.key === O.type);
  return type?.value?.toLowerCase() === 'lookup';
}

/**
 * The lookup table of a `CREATE TABLE` node from `parseStatements()`. A script holding
 * `METADATA FROM 'key'` columns must go through {@link rewriteLookupSyntax} before it is parsed.
 *
 * @throws LookupConfigError naming the table and the option.
 */
export function lookupTableFromStatement(
  createTable: unknown,
  options: ParseLookupTableOptions = {},
): LookupTable {
  try {
    return build(isNode(createTable) ? createTable : {}, options);
  } catch (e) {
    // The sink validators reused here (profile, addresses, secrets) raise SinkConfigError.
    if (e instanceof SinkConfigError) throw LookupConfigError.from(e);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------

/** The shared fields this door reports on. */
type Field = ProfileField | 'format' | 'schema';

/** Fields of the shared validators this door uses, in this door's spelling. */
const FIELD_OPTIONS: Partial<Record<Field, string>> = {
  ...PROFILE_SQL_OPTIONS,
  format: O.format,
  schema: 'columns',
};

function build(node: Node, options: ParseLookupTableOptions): LookupTable {
  const names = Array.isArray(node.name) ? node.name.map(ident) : [];
  const table = names.length === 1 ? names[0]?.value : undefined;
  if (table === undefined) {
    throw new LookupConfigError(
      'qualified table names (schema.table) are not supported; name the table alone',
      {
        option: 'table name',
      },
    );
  }
  const byKey = new Map<string, Entry>();
  const door: Door<Field> = {
    option: (f) => FIELD_OPTIONS[f] ?? f,
    position: (f) => {
      const entry = byKey.get(FIELD_OPTIONS[f] ?? f);
      return entry?.valuePosition ?? entry?.keyPosition;
    },
    numbersAsText: true,
  };
  const r = new Reporter({ table }, door);
  if (node.query != null)
    r.failOption('AS', 'CREATE TABLE ... AS SELECT is not supported for a lookup table');

  const reject = (option: string, problem: string, position?: SqlPosition): never =>
    r.failOption(option, problem, position);
  for (const written of withOptions(node.table_options, reject)) {
    const entry = lookupEntry(written, reject);
    if (byKey.has(entry.key)) r.failOption(entry.key, 'is given twice', entry.keyPosition);
    if (!LOOKUP_OPTIONS.includes(entry.key)) unknownOption(r, entry);
    byKey.set(entry.key, entry);
  }
  const value = (option: string) => byKey.get(option)?.value;
  const fail: (option: string, problem: string) => never = (option, problem) =>
    r.failOption(option, problem, byKey.get(option)?.valuePosition ?? byKey.get(option)?.keyPosition);

  checkConnector(r, value(O.connector));
  const type = value(O.type);
  if (type === undefined) {
    if (node.temporary !== true)
      fail(O.type, "is required (type = 'lookup', or declare it CREATE TEMPORARY TABLE)");
  } else if (type.toLowerCase() !== 'lookup') {
    fail(
      O.type,
      `must be 'lookup' for a lookup table (${r.got(undefined, type)}); sink tables are declared apart`,
    );
  }

  const profile = tableProfile(r, table, byKey, options);
  const { columns, keyColumn, keySource } = tableColumns(r, node);
  const values = columns.filter((c) => c.name !== keyColumn);
  if (values.length === 0) {
    r.failOption(
      'columns',
      `declares only the key column '${keyColumn}'; declare the columns read from Redis too`,
    );
  }

  const keyPrefix = value(O.keyPrefix);
  if (keyPrefix !== undefined && keySource === 'metadata') {
    fail(
      O.keyPrefix,
      `cannot be combined with a METADATA FROM 'key' column ('${keyColumn}' holds the whole Redis key)`,
    );
  }

  const valueType = choice<LookupValueType>(r, byKey, O.valueType, ['string', 'hash']) ?? 'string';
  const formatGiven = choice(r, byKey, O.format, ['json', 'raw'] as const);
  if (formatGiven !== undefined && valueType === 'hash') {
    fail(O.format, `applies to string values; '${O.valueType}' is 'hash', whose fields are the columns`);
  }
  const format = formatGiven ?? 'json';
  const hashFetch = choice<HashFetch>(r, byKey, O.hashFetch, ['fields', 'all']);
  if (hashFetch !== undefined && valueType !== 'hash')
    fail(O.hashFetch, `applies only when '${O.valueType}' is 'hash'`);

  const out: LookupTable = {
    name: table,
    profile,
    columns,
    keyColumn,
    keySource,
    keyPrefix: keyPrefix ?? '',
    valueType,
    format,
    hashFetch: hashFetch ?? 'fields',
    cache: cacheConfig(byKey, r),
    timeoutMs: DEFAULT_LOOKUP_TIMEOUT_MS,
    maxAttempts: DEFAULT_LOOKUP_MAX_ATTEMPTS,
    badValue: choice<BadValuePolicy>(r, byKey, O.badValue, ['fail', 'null']) ?? 'fail',
  };
  if (format === 'raw') {
    if (values.length !== 1) {
      fail(
        O.format,
        `is 'raw', which reads the string into one value column; declare the key column and exactly one other (value columns: ${values.map((c) => `'${c.name}'`).join(', ')})`,
      );
    }
    out.valueColumn = values[0].name;
  }
  const timeout = value(O.timeout);
  if (timeout !== undefined) {
    const ms = parseDuration(timeout);
    if (ms === undefined || ms <= 0)
      fail(O.timeout, `must be a positive duration such as '2s' or '500ms' (${r.got(undefined, timeout)})`);
    out.timeoutMs = ms;
  }
  const attempts = value(O.maxAttempts);
  if (attempts !== undefined) {
    const n = /^\s*\d+\s*$/.test(attempts) ? Number(attempts) : Number.NaN;
    if (!(n >= 1 && n <= MAX_LOOKUP_ATTEMPTS)) {
      fail(
        O.maxAttempts,
        `must be an integer from 1 to ${MAX_LOOKUP_ATTEMPTS} (${r.got(undefined, attempts)})`,
      );
    }
    out.maxAttempts = n;
  }
  // An overridden address (statements run elsewhere) is read as it is.
  if (
    choice(r, byKey, O.readFrom, ['primary', 'replica']) === 'replica' &&
    options.redisAddress === undefined
  ) {
    if (profile.connection.kind !== 'sentinel') {
      fail(
        O.readFrom,
        "is 'replica', which needs a Sentinel connection ('sentinel.addresses', 'sentinel.master')",
      );
    }
    out.readFrom = 'replica';
  }
  return out;
}

/** An option this table does not know; sink options get a pointer to their lookup spelling. */
function unknownOption(r: Reporter<Field>, entry: Entry): never {
  if (entry.key.startsWith('sink.')) {
    const twin = `lookup.${entry.key.slice('sink.'.length)}`;
    const hint = LOOKUP_OPTIONS.includes(twin) ? ` (did you mean '${twin}'?)` : '';
    r.failOption(
      entry.key,
      `is a sink option; a lookup table takes 'lookup.*' options${hint}`,
      entry.keyPosition,
    );
  }
  if (entry.key.startsWith('lookup.') && didYouMean(entry.key, LOOKUP_OPTIONS) === undefined) {
    const known = LOOKUP_OPTIONS.filter((o) => o.startsWith('lookup.')).map((o) => `'${o}'`);
    r.failOption(entry.key, `is not a known option (lookup options: ${known.join(', ')})`, entry.keyPosition);
  }
  r.unknown(entry.key, LOOKUP_OPTIONS, entry.keyPosition);
}

/** Case-insensitive choice of an enumerated option, in its canonical spelling. */
function choice<T extends string>(
  r: Reporter<Field>,
  byKey: ReadonlyMap<string, Entry>,
  option: string,
  choices: readonly T[],
): T | undefined {
  const entry = byKey.get(option);
  if (entry?.value === undefined) return undefined;
  const found = choices.find((c) => c === entry.value!.toLowerCase());
  if (found === undefined) {
    const list = choices.map((c) => `'${c}'`).join(', ');
    r.failOption(option, `must be one of ${list} (${r.got(undefined, entry.value)})`, entry.valuePosition);
  }
  return found;
}

function cacheConfig(byKey: ReadonlyMap<string, Entry>, r: Reporter<Field>): LookupCacheConfig | null {
  const fail: (option: string, problem: string) => never = (option, problem) =>
    r.failOption(option, problem, byKey.get(option)?.valuePosition ?? byKey.get(option)?.keyPosition);
  const maxText = byKey.get(O.cacheMaxBytes)?.value;
  const ttlText = byKey.get(O.cacheTtl)?.value;
  const negativeText = byKey.get(O.cacheNegative)?.value;
  const shown = (v: string) => `got '${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  let maxBytes = DEFAULT_CACHE_MAX_BYTES;
  if (maxText !== undefined) {
    const n = parseByteSize(maxText);
    if (n === undefined || n <= 0) {
      fail(
        O.cacheMaxBytes,
        `must be a positive size in bytes, e.g. '67108864' or '64MiB' (${shown(maxText)})`,
      );
    }
    maxBytes = n;
  }
  let ttlMs: number | null = null;
  if (ttlText !== undefined) {
    const ms = parseDuration(ttlText);
    if (ms === undefined || ms <= 0) {
      fail(O.cacheTtl, `must be a positive duration such as '30s', '5m' or '1500' (ms) (${shown(ttlText)})`);
    }
    ttlMs = ms;
  }
  let negative = false;
  if (negativeText !== undefined) {
    const t = negativeText.toLowerCase();
    if (t !== 'true' && t !== 'false')
      fail(O.cacheNegative, `must be 'true' or 'false' (${shown(negativeText)})`);
    negative = t === 'true';
  }
  if (maxText === undefined && ttlText === undefined) {
    if (negativeText !== undefined) {
      fail(O.cacheNegative, `applies only with a cache: set '${O.cacheMaxBytes}' or '${O.cacheTtl}'`);
    }
    return null;
  }
  return { maxBytes, ttlMs, negative };
}

const SENTINEL_FIELDS = ['sentinels', 'masterName', 'sentinelUsername', 'sentinelPassword'] as const;

/** A comma-separated list of Redis URLs, as `'cluster.addresses'` and `'sentinel.addresses'` take it. */
function addressList(r: Reporter<Field>, field: Field, list: string | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  const addresses = list.split(',').map((a) => a.trim());
  if (addresses.some((a) => a === ''))
    r.fail(field, 'has an empty entry (expected comma-separated Redis URLs)');
  return addresses;
}

function tableProfile(
  r: Reporter<Field>,
  table: string,
  byKey: ReadonlyMap<string, Entry>,
  options: ParseLookupTableOptions,
): ConnectionProfile {
  const value = (option: string) => byKey.get(option)?.value;
  let profile: ConnectionProfile;
  const named = byKey.get(O.profile);
  if (named !== undefined) {
    for (const f of ['address', 'addresses', 'username', 'password', ...TLS_FIELDS] as const) {
      if (value(FIELD_OPTIONS[f]!) !== undefined) r.fail(f, `cannot be combined with '${O.profile}'`);
    }
    for (const f of SENTINEL_FIELDS) {
      if (value(FIELD_OPTIONS[f]!) !== undefined) r.fail(f, `cannot be combined with '${O.profile}'`);
    }
    const found = findProfile(options.profiles, named.value ?? '');
    if (found === undefined) {
      r.failOption(O.profile, `names an unknown connection profile '${named.value}'`, named.valuePosition);
    }
    profile = found;
  } else {
    const addresses = addressList(r, 'addresses', value(O.addresses));
    const sentinels = addressList(r, 'sentinels', value(O.sentinels));
    const draft = {
      name: table,
      address: value(O.address),
      addresses,
      username: value(O.username),
      password: value(O.password),
      sentinels,
      masterName: value(O.masterName),
      sentinelUsername: value(O.sentinelUsername),
      sentinelPassword: value(O.sentinelPassword),
      tls: Object.fromEntries(TLS_FIELDS.map((f) => [f, value(TLS_SQL_OPTIONS[f])])),
    };
    // The override replaces the address, so a table written without one is fine too.
    if (
      options.redisAddress !== undefined &&
      draft.address === undefined &&
      addresses === undefined &&
      sentinels === undefined &&
      draft.masterName === undefined
    ) {
      draft.address = 'redis://127.0.0.1:6379';
    }
    profile = checkProfile(r, draft);
  }
  const a = options.redisAddress;
  if (a === undefined) return profile;
  const connection: RedisConnection =
    typeof a === 'string' ? { kind: 'standalone', address: a } : { kind: 'cluster', addresses: [...a] };
  return { ...profile, connection };
}

function findProfile(
  profiles: ParseLookupTableOptions['profiles'],
  name: string,
): ConnectionProfile | undefined {
  if (profiles === undefined) return undefined;
  if (profiles instanceof Map) return profiles.get(name);
  const record = profiles as Readonly<Record<string, ConnectionProfile>>;
  return Object.hasOwn(record, name) ? record[name] : undefined;
}
