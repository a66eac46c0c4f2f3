/**
 * SQL DDL front door: `CREATE TABLE name (col TYPE [NOT NULL], ...) WITH (option = 'value', ...)`
 * as the Laminar Redis connector documentation writes it. Parsing is done by the shared SQL
 * parser (schema/sql-parser.ts); this file only walks the resulting tree.
 *
 * The parser is compiled once, on first use: {@link parseCreateTable} is therefore async;
 * {@link parseCreateTableSync} serves callers that awaited {@link loadSqlParser} first. The plain
 * DDL (one `CREATE TABLE name (...) WITH (...)`, the docs' form) is read without it, by
 * schema/plain-create-table.ts, into the same tree: a process whose tables are all plain never
 * compiles the parser.
 */

import { SinkConfigError } from '../../schema/errors.js';
import { plainCreateTable } from '../../schema/plain-create-table.js';
import { PROFILE_SQL_OPTIONS } from '../../schema/profile-check.js';
import { columnHead, loadSqlParser, parseStatements } from '../../schema/sql-parser.js';
import { ident, isNode, literalText, type Node, type SqlOption, withOptions } from '../../schema/sql-tree.js';
import { TLS_FIELDS } from '../../schema/tls-profile.js';
import type { Column, ConnectionProfile, SinkTable } from '../model.js';
import { TARGET_FIELDS, TARGET_SQL_OPTIONS, type TargetField } from '../writers/index.js';
import { ARROYO_SQL_OPTIONS, fromArroyoSpelling } from './arroyo-options.js';
import { checkConnector, checkProfile, checkTable, type Door, type Field, Reporter } from './validate.js';

export { columnHead, loadSqlParser, parseStatements, typeName } from '../../schema/sql-parser.js';
export { literalText };

/** Options of {@link parseCreateTable}. */
export interface ParseCreateTableOptions {
  /**
   * Profiles a table may name with `connection_profile = 'name'` instead of giving `address`,
   * `cluster.addresses`, `username` and `password` inline.
   */
  profiles?: ReadonlyMap<string, ConnectionProfile> | Readonly<Record<string, ConnectionProfile>>;
}

/** SQL option name of every canonical field (`'sink.ttl_secs'` for `ttlSecs`). */
const FIELD_OPTIONS: Readonly<Record<Field, string>> = {
  ...PROFILE_SQL_OPTIONS,
  target: 'sink.*',
  targetType: 'sink.type',
  // Each target's own options, as its writer spells them (writers/).
  ...TARGET_SQL_OPTIONS,
  format: 'format',
  onError: 'sink.on_error',
  mode: 'sink.mode',
  deleteEvents: 'sink.delete_events',
  deadLetterKey: 'sink.dead_letter_key',
  batchSize: 'sink.batch_size',
  flushIntervalMs: 'sink.flush_interval_ms',
  delivery: 'sink.delivery',
  waitReplicas: 'sink.wait_replicas',
  connectionsPerNode: 'sink.connections_per_node',
  maxPipelinesInFlight: 'sink.max_pipelines_in_flight',
  schema: 'columns',
  valueColumn: 'format',
};

/** Options that are not model fields: the table type and a named profile. */
const TYPE_OPTION = 'type';
const PROFILE_OPTION = 'connection_profile';
const PROFILE_FIELDS: readonly Field[] = [
  'address',
  'addresses',
  'username',
  'password',
  'sentinels',
  'masterName',
  'sentinelUsername',
  'sentinelPassword',
  ...TLS_FIELDS,
];

const OPTION_FIELDS: ReadonlyMap<string, Field> = new Map(
  (Object.entries(FIELD_OPTIONS) as [Field, string][])
    .filter(([f]) => f !== 'name' && f !== 'schema' && f !== 'target' && f !== 'valueColumn')
    .map(([f, o]) => [o, f]),
);

/** Every option a sink table accepts. */
export const SQL_OPTIONS: readonly string[] = [...OPTION_FIELDS.keys(), TYPE_OPTION, PROFILE_OPTION];

/**
 * Parses one `CREATE TABLE ... WITH (...)` statement into a validated sink table; its
 * connection profile is built from `address` / `'cluster.addresses'` / `username` / `password`
 * (named after the table) or taken from `options.profiles` by `connection_profile`.
 *
 * @throws SqlSyntaxError with the line and column of a syntax error.
 * @throws SinkConfigError naming the table and the option.
 */
export async function parseCreateTable(
  sql: string,
  options: ParseCreateTableOptions = {},
): Promise<SinkTable> {
  const plain = plainCreateTable(sql);
  if (plain !== undefined) return createTable(plain, options);
  await loadSqlParser();
  return parseCreateTableSync(sql, options);
}

/** {@link parseCreateTable} for callers that awaited {@link loadSqlParser}. */
export function parseCreateTableSync(sql: string, options: ParseCreateTableOptions = {}): SinkTable {
  const statements = parseStatements(sql);
  if (statements.length !== 1 || !isNode(statements[0]) || !isNode(statements[0].CreateTable)) {
    throw new SinkConfigError(
      `expected exactly one CREATE TABLE statement (got ${statements.length} statements)`,
      {},
    );
  }
  return createTable(statements[0].CreateTable, options);
}

function createTable(node: Node, options: ParseCreateTableOptions): SinkTable {
  const names = Array.isArray(node.name) ? node.name.map(ident) : [];
  const nameIdent = names[0];
  if (names.length !== 1 || nameIdent === undefined) {
    throw new SinkConfigError(
      'qualified table names (schema.table) are not supported; name the table alone',
      {
        option: FIELD_OPTIONS.name,
      },
    );
  }
  const table = nameIdent.value;
  const byKey = new Map<string, SqlOption>();
  let written = new Map<string, string>();
  const door: Door = {
    // Arroyo's spelling, where the user wrote it, is what messages name.
    option: (f) => written.get(FIELD_OPTIONS[f]) ?? FIELD_OPTIONS[f],
    position: (f) => {
      const entry = byKey.get(FIELD_OPTIONS[f]);
      return entry?.valuePosition ?? entry?.keyPosition;
    },
    numbersAsText: true,
  };
  const r = new Reporter({ table }, door);
  const read = fromArroyoSpelling(tableOptions(table, node.table_options), (o, p, at) =>
    r.failOption(o, p, at),
  );
  written = read.written;
  const entries = read.entries.map((e) => durationValue(r, e));

  if (node.query != null) r.failOption('AS', 'CREATE TABLE ... AS SELECT is not supported for a sink table');
  if (Array.isArray(node.constraints) && node.constraints.length > 0) {
    r.failOption(
      'columns',
      'declares a table constraint (PRIMARY KEY, UNIQUE, ...), which a Redis sink does not support',
    );
  }

  for (const entry of entries) {
    if (byKey.has(entry.key)) r.failOption(entry.key, 'is given twice', entry.keyPosition);
    if (!OPTION_FIELDS.has(entry.key) && entry.key !== TYPE_OPTION && entry.key !== PROFILE_OPTION) {
      r.unknown(entry.key, [...SQL_OPTIONS, ...ARROYO_SQL_OPTIONS], entry.keyPosition);
    }
    byKey.set(entry.key, entry);
  }
  const value = (field: Field): string | undefined => byKey.get(FIELD_OPTIONS[field])?.value;

  checkConnector(r, value('connector'));
  checkTableType(r, byKey.get(TYPE_OPTION));

  const profile = tableProfile(r, table, byKey, value, options);
  const target: Partial<Record<TargetField, unknown>> = {};
  for (const field of TARGET_FIELDS) {
    if (value(field) !== undefined) target[field] = value(field);
  }
  return checkTable(r, {
    name: table,
    profile,
    targetType: value('targetType'),
    target,
    format: value('format'),
    onError: value('onError'),
    mode: value('mode'),
    deleteEvents: value('deleteEvents'),
    deadLetterKey: value('deadLetterKey'),
    batchSize: value('batchSize'),
    flushIntervalMs: value('flushIntervalMs'),
    delivery: value('delivery'),
    waitReplicas: value('waitReplicas'),
    connectionsPerNode: value('connectionsPerNode'),
    maxPipelinesInFlight: value('maxPipelinesInFlight'),
    schema: columns(r, node.columns),
  });
}

/**
 * `WITH (...)` entries. Unquoted keys are case-insensitive (SQL identifiers); quoted keys are
 * taken as written. Values must be literals; every literal becomes its text, so `'86400'` and
 * `86400` mean the same.
 */
function tableOptions(table: string, options: unknown): SqlOption[] {
  return withOptions(options, (option, problem, position) => {
    throw new SinkConfigError(problem, { table, option, position });
  });
}

/** Options taking a duration, and the milliseconds in one of their units. */
const DURATION_OPTIONS: ReadonlyMap<string, number> = new Map([
  ['sink.flush_interval_ms', 1],
  ['sink.ttl_secs', 1000],
]);

/** An interval literal's value in the option's own unit; an interval elsewhere is refused. */
function durationValue(r: Reporter, entry: SqlOption): SqlOption {
  if (entry.intervalMs === undefined) return entry;
  const option = writtenKey(r, entry.key);
  const unit = DURATION_OPTIONS.get(entry.key);
  if (unit === undefined) {
    const takers = [...DURATION_OPTIONS.keys()].map((o) => `'${o}'`).join(' and ');
    r.failOption(option, `takes no interval (of the sink's options, ${takers} do)`, entry.valuePosition);
  }
  if (entry.intervalMs % unit !== 0) {
    r.failOption(
      option,
      `must be a whole number of seconds (got ${entry.intervalMs} ms)`,
      entry.valuePosition,
    );
  }
  return { ...entry, value: String(entry.intervalMs / unit) };
}

/** The key as the user wrote it (Arroyo's spelling, or ours). */
function writtenKey(r: Reporter, key: string): string {
  const field = OPTION_FIELDS.get(key);
  return field === undefined ? key : r.door.option(field);
}

/** `type = 'sink'` is required: a lookup table (`type = 'lookup'`) has its own parser (src/lookup/). */
function checkTableType(r: Reporter, entry: SqlOption | undefined): void {
  if (entry === undefined) r.failOption(TYPE_OPTION, "is required (type = 'sink')");
  const type = entry.value?.toLowerCase();
  if (type === 'lookup') {
    r.failOption(
      TYPE_OPTION,
      "is 'lookup': a lookup table is not a sink; join it in a pipeline script, or read it with parseLookupTable and createRedisLookup (docs/lookup.md)",
      entry.valuePosition,
    );
  }
  if (type !== 'sink')
    r.failOption(TYPE_OPTION, `must be 'sink' (${r.got(undefined, entry.value)})`, entry.valuePosition);
}

function tableProfile(
  r: Reporter,
  table: string,
  byKey: ReadonlyMap<string, SqlOption>,
  value: (f: Field) => string | undefined,
  options: ParseCreateTableOptions,
): ConnectionProfile {
  const named = byKey.get(PROFILE_OPTION);
  if (named !== undefined) {
    for (const f of PROFILE_FIELDS) {
      if (value(f) !== undefined) r.fail(f, `cannot be combined with '${PROFILE_OPTION}'`);
    }
    const profile = lookupProfile(options.profiles, named.value ?? '');
    if (profile === undefined) {
      r.failOption(
        PROFILE_OPTION,
        `names an unknown connection profile '${named.value}'`,
        named.valuePosition,
      );
    }
    return profile;
  }
  return checkProfile(r, {
    name: table,
    address: value('address'),
    addresses: addressList(r, 'addresses', value('addresses')),
    username: value('username'),
    password: value('password'),
    sentinels: addressList(r, 'sentinels', value('sentinels')),
    masterName: value('masterName'),
    sentinelUsername: value('sentinelUsername'),
    sentinelPassword: value('sentinelPassword'),
    tls: Object.fromEntries(TLS_FIELDS.map((f) => [f, value(f)])),
  });
}

/** A comma-separated list of Redis URLs, as `'cluster.addresses'` and `'sentinel.addresses'` take it. */
function addressList(r: Reporter, field: Field, list: string | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  const addresses = list.split(',').map((a) => a.trim());
  if (addresses.some((a) => a === ''))
    r.fail(field, 'has an empty entry (expected comma-separated Redis URLs)');
  return addresses;
}

function lookupProfile(
  profiles: ParseCreateTableOptions['profiles'],
  name: string,
): ConnectionProfile | undefined {
  if (profiles === undefined) return undefined;
  if (profiles instanceof Map) return profiles.get(name);
  const record = profiles as Readonly<Record<string, ConnectionProfile>>;
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Columns

function columns(r: Reporter, defs: unknown): Column[] {
  if (!Array.isArray(defs)) return [];
  return defs.map((def: unknown) => {
    const { name, type, options } = columnHead(r, def);
    let nullable = true;
    for (const o of options) {
      const option = isNode(o) ? o.option : undefined;
      if (option === 'NotNull') nullable = false;
      else if (option !== 'Null') {
        r.failOption(
          'columns',
          `declares column '${name.value}' with a constraint other than NULL / NOT NULL, which a Redis sink does not support`,
          name.position,
        );
      }
    }
    return { name: name.value, type, nullable };
  });
}
