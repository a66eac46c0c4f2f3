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

export const TABLE_TYPES = ['string', 'list', 'hash'] as const;
export type TableType = (typeof TABLE_TYPES)[number];

export const STRING_PREFIX = 'str:';
export const LIST_PREFIX = 'list:';
export const HASH_PREFIX = 'hash:';

/** Redis key of row `row` in a table of this type (prefix + text(key column), docs/configuration.md). */
export function keyOf(type: TableType, row: EventRow): string {
  return type === 'string'
    ? STRING_PREFIX + row.id
    : (type === 'list' ? LIST_PREFIX : HASH_PREFIX) + row.user;
}

const TARGETS: Record<TableType, Target> = {
  string: { type: 'string', keyPrefix: STRING_PREFIX, keyColumn: 'id', ttlSecs: TTL_SECS },
  list: {
    type: 'list',
    listPrefix: LIST_PREFIX,
    listKeyColumn: 'user',
    maxLength: LIST_MAX_LENGTH,
    operation: 'Append',
  },
  hash: { type: 'hash', hashKeyPrefix: HASH_PREFIX, hashKeyColumn: 'user', hashFieldColumn: 'id' },
};

/** The sink table of one type, as the TypeScript model door takes it. */
export function sinkTable(type: TableType, port: number, batchSize: number): SinkTable {
  return {
    name: `bench_${type}`,
    profile: { name: 'bench', connection: { kind: 'standalone', address: `redis://127.0.0.1:${port}` } },
    target: TARGETS[type],
    format: 'json',
    schema: COLUMNS,
    onError: 'fail',
    batchSize,
    flushIntervalMs: 100,
    // Pinned: the measured commands are the plain ones (variadic pushes + LTRIM for lists), not the
    // fence script of exactly-once delivery.
    delivery: 'at_least_once',
  };
}

export const CLIENT_IDS = [
  'laminar-redis',
  'ioredis',
  'ioredis-grouped',
  'node-redis',
  'node-redis-grouped',
] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

/** Row label, whether it is a peer, and whether it runs for string tables (grouping needs a list or hash). */
export const CLIENT_INFO: Record<ClientId, { label: string; peer: boolean; strings: boolean }> = {
  'laminar-redis': { label: 'laminar-redis', peer: false, strings: true },
  ioredis: { label: 'ioredis (per row)', peer: true, strings: true },
  'ioredis-grouped': { label: 'ioredis (grouped per key)', peer: true, strings: false },
  'node-redis': { label: 'node-redis (per row)', peer: true, strings: true },
  'node-redis-grouped': { label: 'node-redis (grouped per key)', peer: true, strings: false },
};

/** `count` is rows; `batch` is rows per `write()` call and per sink flush for laminar, per pipeline for the peers. */
export interface WorkerArgs extends LoadArgs {
  client: ClientId;
  type: TableType;
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
  return ['--client', a.client, '--type', a.type, '--port', String(a.port), ...loadArgv(a)];
}
