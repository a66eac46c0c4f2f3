/**
 * The sink workload, shared by the parent (sink-bench.ts), its child processes (sink-worker.ts) and
 * the verification (sink-verify.ts): the generated rows, the three tables, the clients measured,
 * and what travels between the processes. Loads no client library.
 *
 * Row i is a pure function of i, so a child can generate its rows chunk by chunk inside the load
 * loop (no million-row array inflating its RSS) and the parent can compute the expected Redis state
 * without talking to the child.
 */
import type { Column } from '../../src/schema/sql-type.js';
import type { SinkTable, Target } from '../../src/sink/model.js';
import type { ErrorMessage } from '../common/child-process.js';
import type { ProcessFigures } from '../common/measure.js';
import { type LoadArgs, loadArgv } from '../common/worker-args.js';

/** One generated row; its JSON text is 100–112 bytes (`{"id":123456,"user":"user-0111",…}`). */
export type EventRow = {
  id: number;
  user: string;
  score: number;
  ts: number;
  page: string;
};

/** Distinct `user` values: the list and hash tables have this many keys. */
export const USERS = 1_000;
/** Longest list kept by the list table (LTRIM after each flush). */
export const LIST_MAX_LENGTH = 1_000;
/** TTL of every key of the string table. */
export const TTL_SECS = 3_600;

const USER_NAMES = Array.from({ length: USERS }, (_, u) => `user-${String(u).padStart(4, '0')}`);
const PAGES = Array.from({ length: 64 }, (_, p) => `/catalog/section-${p}/item?ref=laminar`);
const TS0 = 1_764_133_200_000; // 2025-11-26T05:00:00Z

/** A 32-bit integer hash of i (xorshift-multiply), so users are spread unevenly, like real traffic. */
function mix(i: number): number {
  let x = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Index of row i's user, 0..USERS-1. */
export function userOf(i: number): number {
  return mix(i) % USERS;
}

export function rowAt(i: number): EventRow {
  const h = mix(i);
  return {
    id: i,
    user: USER_NAMES[h % USERS],
    score: (h % 100_000) / 100,
    ts: TS0 + i * 7,
    page: PAGES[i & 63],
  };
}

/** Rows start..end-1. */
export function rowsOf(start: number, end: number): EventRow[] {
  const rows = new Array<EventRow>(end - start);
  for (let i = start; i < end; i++) rows[i - start] = rowAt(i);
  return rows;
}

/** The declared schema: the sink writes these columns, in this order, as the JSON value. */
export const COLUMNS: Column[] = [
  { name: 'id', type: 'BIGINT', nullable: false },
  { name: 'user', type: 'TEXT', nullable: false },
  { name: 'score', type: 'DOUBLE', nullable: false },
  { name: 'ts', type: 'BIGINT', nullable: false },
  { name: 'page', type: 'TEXT', nullable: false },
];

/**
 * A session, modelled on the Laminar connector docs' examples (docs/examples.md, sessions): ids, a
 * `Date` timestamp, a hit count and a nested `permissions` object of five fields (booleans, a small
 * array, a team string); 185–200 bytes of JSON. Keys: `session_id` (unique), `user_id` (USERS
 * values, spread as in the flat rows), `org` (ORGS values).
 */
export type NestedRow = {
  session_id: string;
  user_id: number;
  org: string;
  created_at: Date;
  hits: number;
  permissions: { read: boolean; write: boolean; admin: boolean; scopes: string[]; team: string };
};

/** Distinct `org` values of the nested rows: the "few keys" tables of that shape have this many keys. */
export const ORGS = 16;
const ORG_NAMES = Array.from({ length: ORGS }, (_, o) => `org-${String(o).padStart(2, '0')}`);
const TEAMS = ['eu', 'us', 'apac'];
const SCOPES = [['orders'], ['orders', 'users'], ['users']];

export function nestedRowAt(i: number): NestedRow {
  const h = mix(i);
  const g = mix(i + 0x5bd1e995);
  return {
    session_id: `sess_${i.toString(36).padStart(4, '0')}`,
    user_id: 100_000 + (h % USERS),
    org: ORG_NAMES[g % ORGS],
    created_at: new Date(TS0 + i * 7),
    hits: 1 + ((g >>> 8) % 1000),
    permissions: {
      read: true,
      write: (g & 0x10000) !== 0,
      admin: (g & 0x3e0000) === 0,
      scopes: SCOPES[(g >>> 23) % 3],
      team: TEAMS[i % 3],
    },
  };
}

/** Average JSON length of the nested rows (a sample of 1,000), for the report. */
export const NESTED_JSON_BYTES = (() => {
  let total = 0;
  for (let k = 0; k < 1000; k++) total += JSON.stringify(nestedRowAt(k * 997)).length;
  return Math.round(total / 1000);
})();

export const SHAPES = ['flat', 'nested'] as const;
export type Shape = (typeof SHAPES)[number];
export type Row = EventRow | NestedRow;

/** Rows start..end-1 of a shape. */
export function rowsOfShape(shape: Shape, start: number, end: number): Row[] {
  if (shape === 'flat') return rowsOf(start, end);
  const rows = new Array<NestedRow>(end - start);
  for (let i = start; i < end; i++) rows[i - start] = nestedRowAt(i);
  return rows;
}

export const rowOf = (shape: Shape, i: number): Row => (shape === 'flat' ? rowAt(i) : nestedRowAt(i));

export const NESTED_COLUMNS: Column[] = [
  { name: 'session_id', type: 'TEXT', nullable: false },
  { name: 'user_id', type: 'BIGINT', nullable: false },
  { name: 'org', type: 'TEXT', nullable: false },
  { name: 'created_at', type: 'TIMESTAMP', nullable: false },
  { name: 'hits', type: 'BIGINT', nullable: false },
  { name: 'permissions', type: 'JSON', nullable: false },
];

/**
 * The table types: the original three, then issue 15's targets. `sorted_set_incr` is a sorted set
 * in `increment` score mode (ZINCRBY per row).
 */
export const TABLE_TYPES = [
  'string',
  'list',
  'hash',
  'set',
  'sorted_set',
  'sorted_set_incr',
  'counter',
  'hash_counter',
  'stream',
  'pubsub',
] as const;
export type TableType = (typeof TABLE_TYPES)[number];

/** The three types measured before issue 15 (their ratio labels are the README's headlines). */
export const ORIGINAL_TYPES: readonly TableType[] = ['string', 'list', 'hash'];

/** Types whose per-key grouping a careful user can do by hand (variadic command, or summing). */
export const GROUPABLE: Readonly<Record<TableType, boolean>> = {
  string: false,
  list: true,
  hash: true,
  set: true,
  sorted_set: true,
  sorted_set_incr: true,
  counter: true,
  hash_counter: true,
  stream: false,
  pubsub: false,
};

/** Types also measured with exactly-once delivery (fenced; their replays must not add twice). */
export const FENCED_TYPES: readonly TableType[] = ['counter', 'stream', 'sorted_set_incr'];

export const STRING_PREFIX = 'str:';
export const LIST_PREFIX = 'list:';
export const HASH_PREFIX = 'hash:';

/**
 * Which columns make a table's keys, fields (hash fields, set and sorted-set members), scores and
 * increments. `field` of a hash is its field column; of a set or sorted set its member column.
 */
export interface Layout {
  prefix: string;
  key: string;
  field?: string;
  score?: string;
  increment?: string;
}

const FLAT_LAYOUTS: Record<TableType, Layout> = {
  string: { prefix: STRING_PREFIX, key: 'id' },
  list: { prefix: LIST_PREFIX, key: 'user' },
  hash: { prefix: HASH_PREFIX, key: 'user', field: 'id' },
  set: { prefix: 'set:', key: 'user', field: 'page' },
  sorted_set: { prefix: 'zset:', key: 'user', field: 'page', score: 'score' },
  sorted_set_incr: { prefix: 'zinc:', key: 'user', field: 'page', score: 'score' },
  counter: { prefix: 'ctr:', key: 'user', increment: 'id' },
  hash_counter: { prefix: 'hctr:', key: 'user', field: 'page', increment: 'id' },
  stream: { prefix: 'stream:', key: 'user' },
  pubsub: { prefix: 'ch:', key: 'user' },
};

const NESTED_LAYOUTS: Record<TableType, Layout> = {
  string: { prefix: 'sess:', key: 'session_id' },
  list: { prefix: 'list:', key: 'org' },
  hash: { prefix: 'hash:', key: 'user_id', field: 'session_id' },
  set: { prefix: 'set:', key: 'org', field: 'user_id' },
  sorted_set: { prefix: 'zset:', key: 'org', field: 'user_id', score: 'hits' },
  sorted_set_incr: { prefix: 'zinc:', key: 'org', field: 'user_id', score: 'hits' },
  counter: { prefix: 'ctr:', key: 'org', increment: 'hits' },
  hash_counter: { prefix: 'hctr:', key: 'org', field: 'user_id', increment: 'hits' },
  stream: { prefix: 'stream:', key: 'org' },
  pubsub: { prefix: 'ch:', key: 'org' },
};

export function layoutOf(type: TableType, shape: Shape): Layout {
  return (shape === 'flat' ? FLAT_LAYOUTS : NESTED_LAYOUTS)[type];
}

/** Distinct keys a column of a shape takes over the whole run (1M rows): for the report. */
export const KEY_COUNTS: Record<string, number> = {
  id: 1_000_000,
  session_id: 1_000_000,
  user: USERS,
  user_id: USERS,
  org: ORGS,
};

/** A column's value of a row (the columns are top-level scalars). */
export const cell = (row: Row, column: string): string | number =>
  (row as unknown as Record<string, string | number>)[column];

/** Redis key of a row in a table (prefix + text(key column), docs/configuration.md). */
export function keyOf(type: TableType, row: Row, shape: Shape = 'flat'): string {
  const l = layoutOf(type, shape);
  return l.prefix + String(cell(row, l.key));
}

/** A column read with a direct property access (what a user's code does; no keyed lookup per row). */
function getter(column: string): (r: Row) => string | number {
  switch (column) {
    case 'id':
      return (r) => (r as EventRow).id;
    case 'user':
      return (r) => (r as EventRow).user;
    case 'score':
      return (r) => (r as EventRow).score;
    case 'page':
      return (r) => (r as EventRow).page;
    case 'session_id':
      return (r) => (r as NestedRow).session_id;
    case 'user_id':
      return (r) => (r as NestedRow).user_id;
    case 'org':
      return (r) => (r as NestedRow).org;
    case 'hits':
      return (r) => (r as NestedRow).hits;
    default:
      throw new Error(`no getter for column ${column}`);
  }
}

/** How the peers read a table's key (prefixed), field or member text, and score or increment. */
export interface Accessors {
  key: (r: Row) => string;
  field?: (r: Row) => string;
  number?: (r: Row) => number;
}

export function accessorsOf(type: TableType, shape: Shape): Accessors {
  const l = layoutOf(type, shape);
  const k = getter(l.key);
  const prefix = l.prefix;
  const out: Accessors = { key: (r) => prefix + k(r) };
  if (l.field !== undefined) {
    const f = getter(l.field);
    out.field = (r) => String(f(r));
  }
  const numberColumn = l.score ?? l.increment;
  if (numberColumn !== undefined) out.number = getter(numberColumn) as (r: Row) => number;
  return out;
}

/** Whether the table's value is the whole row as JSON (else a column: member, score, increment). */
export const VALUE_IS_ROW: Readonly<Record<TableType, boolean>> = {
  string: true,
  list: true,
  hash: true,
  set: false,
  sorted_set: false,
  sorted_set_incr: false,
  counter: false,
  hash_counter: false,
  stream: true,
  pubsub: true,
};

/** The field holding the row in each stream entry (the stream target's default). */
export const STREAM_FIELD = 'row';

function targetOf(type: TableType, shape: Shape): Target {
  const l = layoutOf(type, shape);
  switch (type) {
    case 'string':
      return { type: 'string', keyPrefix: l.prefix, keyColumn: l.key, ttlSecs: TTL_SECS };
    case 'list':
      return {
        type: 'list',
        listPrefix: l.prefix,
        listKeyColumn: l.key,
        maxLength: LIST_MAX_LENGTH,
        operation: 'Append',
      };
    case 'hash':
      return { type: 'hash', hashKeyPrefix: l.prefix, hashKeyColumn: l.key, hashFieldColumn: l.field! };
    case 'set':
      return { type: 'set', setPrefix: l.prefix, setKeyColumn: l.key, memberColumn: l.field! };
    case 'sorted_set':
    case 'sorted_set_incr':
      return {
        type: 'sorted_set',
        sortedSetPrefix: l.prefix,
        sortedSetKeyColumn: l.key,
        scoreColumn: l.score!,
        memberColumn: l.field!,
        ...(type === 'sorted_set_incr' ? { scoreMode: 'increment' as const } : {}),
      };
    case 'counter':
      return {
        type: 'counter',
        counterPrefix: l.prefix,
        counterKeyColumn: l.key,
        incrementColumn: l.increment!,
      };
    case 'hash_counter':
      return {
        type: 'hash_counter',
        hashCounterPrefix: l.prefix,
        hashCounterKeyColumn: l.key,
        hashCounterFieldColumn: l.field!,
        incrementColumn: l.increment!,
      };
    case 'stream':
      return { type: 'stream', streamPrefix: l.prefix, streamKeyColumn: l.key };
    case 'pubsub':
      return { type: 'pubsub', channelPrefix: l.prefix, channelColumn: l.key };
  }
}

/** The sink table of one type and row shape, as the TypeScript model door takes it. */
export function sinkTable(
  type: TableType,
  port: number,
  batchSize: number,
  shape: Shape = 'flat',
  delivery: 'at_least_once' | 'exactly_once' = 'at_least_once',
): SinkTable {
  return {
    name: shape === 'flat' ? `bench_${type}` : `bench_${type}_${shape}`,
    profile: { name: 'bench', connection: { kind: 'standalone', address: `redis://127.0.0.1:${port}` } },
    target: targetOf(type, shape),
    format: 'json',
    schema: shape === 'flat' ? COLUMNS : NESTED_COLUMNS,
    onError: 'fail',
    batchSize,
    flushIntervalMs: 100,
    // Pinned: the measured commands are the plain ones (variadic pushes + LTRIM for lists), not the
    // fence script of exactly-once delivery — unless the exactly-once client asks for it.
    delivery,
  };
}

export const CLIENT_IDS = [
  'laminar-redis',
  'ioredis',
  'ioredis-grouped',
  'node-redis',
  'node-redis-grouped',
  'laminar-redis-eo',
] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

/**
 * Row label, whether it is a peer, whether it groups per key (only for GROUPABLE types), and
 * whether it is the sink with exactly-once delivery (only for FENCED_TYPES).
 */
export const CLIENT_INFO: Record<
  ClientId,
  { label: string; peer: boolean; grouped: boolean; fenced: boolean }
> = {
  'laminar-redis': { label: 'laminar-redis', peer: false, grouped: false, fenced: false },
  ioredis: { label: 'ioredis (per row)', peer: true, grouped: false, fenced: false },
  'ioredis-grouped': { label: 'ioredis (grouped per key)', peer: true, grouped: true, fenced: false },
  'node-redis': { label: 'node-redis (per row)', peer: true, grouped: false, fenced: false },
  'node-redis-grouped': { label: 'node-redis (grouped per key)', peer: true, grouped: true, fenced: false },
  'laminar-redis-eo': { label: 'laminar-redis, exactly-once', peer: false, grouped: false, fenced: true },
};

/** The clients measured for a table type. */
export function clientsFor(type: TableType): ClientId[] {
  return CLIENT_IDS.filter((id) => {
    const info = CLIENT_INFO[id];
    return (!info.grouped || GROUPABLE[type]) && (!info.fenced || FENCED_TYPES.includes(type));
  });
}

/** `count` is rows; `batch` is rows per `write()` call and per sink flush for laminar, per pipeline for the peers. */
export interface WorkerArgs extends LoadArgs {
  client: ClientId;
  type: TableType;
  shape: Shape;
  port: number;
}

export interface SinkResult extends ProcessFigures {
  kind: 'result';
  /** Rows handed to the client (all of them unless the deadline hit). */
  rows: number;
  /** Rows acknowledged: the sink's `rowsWritten`, or the rows of the peers' batches that completed. */
  rowsAcked: number;
  /** Redis commands sent. */
  commands: number;
  failedReplies: number;
  firstFailure?: string;
  deadlineHit: boolean;
}

export type WorkerMessage = SinkResult | ErrorMessage;

export function workerArgv(a: WorkerArgs): string[] {
  return [
    ...['--client', a.client, '--type', a.type, '--shape', a.shape, '--port', String(a.port)],
    ...loadArgv(a),
  ];
}
