/**
 * The one validated model every front door (JSON REST bodies, SQL DDL, TypeScript objects) turns
 * into. Secrets stay as written (`{{ VAR }}` unresolved) until the process that connects resolves
 * them (see secrets.ts).
 */

export type { ConnectionProfile, RedisConnection } from '../schema/connection-profile.js';
export type { Column, SqlType } from '../schema/sql-type.js';

import type { ConnectionProfile } from '../schema/connection-profile.js';
import type { Column } from '../schema/sql-type.js';

export {
  type CounterKind,
  type CounterTarget,
  fieldColumnOf,
  type HashCounterTarget,
  type HashTarget,
  keyColumnOf,
  keyPrefixOf,
  keyTemplateOf,
  type ListTarget,
  type PubSubTarget,
  type ScoreMode,
  type SetTarget,
  type SortedSetTarget,
  type StreamTarget,
  type StringTarget,
  type Target,
  type TtlKind,
  type TtlRefresh,
  type WriteMode,
} from './writers/index.js';

import type { Target } from './writers/index.js';

/**
 * Delivery guarantee. `exactly_once` applies rows through per-slot fences (see fence/), so a
 * replay after a crash never applies a row twice; it needs rows with source positions.
 */
export type Delivery = 'at_least_once' | 'exactly_once';

export type { SinkMode } from './changelog.js';

import type { SinkMode } from './changelog.js';

/** What happens to a row that cannot be written (null key, unencodable value). */
export type OnError = 'fail' | 'skip' | 'dead_letter';

export const DEFAULT_BATCH_SIZE = 1_000;
export const DEFAULT_FLUSH_INTERVAL_MS = 100;
/**
 * Connections to each Redis node of an `at_least_once` table (an `exactly_once` table has one:
 * its fenced calls keep their order over one connection). Measured: docs/benchmarks.md.
 */
export const DEFAULT_CONNECTIONS_PER_NODE = 1;
/** Most connections a table may open to one node (per shard): a typo should not open thousands. */
export const MAX_CONNECTIONS_PER_NODE = 64;
/** Pipelines (flushes) awaiting replies per connection. Measured: docs/benchmarks.md. */
export const DEFAULT_MAX_PIPELINES_IN_FLIGHT = 8;

/** A sink table: a `POST /v1/connection_tables` body or a `CREATE TABLE`, validated. */
export interface SinkTable {
  name: string;
  profile: ConnectionProfile;
  target: Target;
  format: 'json' | 'raw';
  /** Declared columns; undefined when the JSON body had no schema (columns checked per row). */
  schema?: Column[];
  /**
   * Raw format: the column whose bytes are the value (the one non-key column, or `value`).
   * Resolved when the table is created, never at write time.
   */
  valueColumn?: string;
  onError: OnError;
  /**
   * `append` (undefined, the default): rows are written as they come and a retraction (`-U`,
   * `-D`) is a bad row. `upsert`: a retraction removes what its row wrote (docs/sink.md).
   */
  mode?: SinkMode;
  /**
   * `upsert` tables of append-only targets (List, Stream, Pub/Sub): a retraction is written as an
   * event row carrying `"__op": "-D"` (or `"-U"`). Without it such a table cannot be `upsert`.
   */
  deleteEvents?: true;
  /** Redis list receiving dead letters (`dead_letter`); default `<table name>:dead_letter`. */
  deadLetterKey?: string;
  /** Rows per pipeline flush. Default {@link DEFAULT_BATCH_SIZE}. */
  batchSize: number;
  /** Longest a row waits before a flush, ms. Default {@link DEFAULT_FLUSH_INTERVAL_MS}. */
  flushIntervalMs: number;
  /** Default: `exactly_once` for lists, `at_least_once` for strings and hashes. */
  delivery: Delivery;
  /** At a checkpoint, `WAIT` for this many replicas to acknowledge the writes. Unset: no WAIT. */
  waitReplicas?: number;
  /**
   * Connections to each node; rows go to connection `slot(key) % n`, so one key's rows stay in
   * order. Unset: {@link DEFAULT_CONNECTIONS_PER_NODE}; must be 1 for `exactly_once`.
   */
  connectionsPerNode?: number;
  /** Flushes awaiting replies per connection; more wait. Unset: {@link DEFAULT_MAX_PIPELINES_IN_FLIGHT}. */
  maxPipelinesInFlight?: number;
}
