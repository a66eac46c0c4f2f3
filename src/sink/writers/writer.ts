/**
 * One Redis data type as a sink target: everything that differs between String, List, Hash, Set,
 * Sorted Set, counter, Stream and Pub/Sub tables lives behind this interface, one file per type,
 * and the generic code (batches, the sink, validation, the three front doors) asks the table's
 * writer instead of testing its type. Adding a type is one more writer file and its entry in the
 * registry (index.ts); if its rows can be fenced, the fence script's operation too.
 */

import type { Arg, Command, Reply } from '../../resp/reply.js';
import type { FencedForm } from '../fence/fenced-commands.js';
import type { KeyGroup } from './by-key.js';
import type { KeepScore } from './member-scores.js';

/** The configuration fields of a target: every property but its `type` tag. */
export type OptionOf<T> = T extends unknown ? Exclude<keyof T, 'type'> & string : never;

/**
 * One configuration field of a target and its SQL `WITH` spelling. JSON bodies
 * (`config.connectorType.target.<field>`) and TypeScript objects (`target.<field>`) spell it as
 * the field itself. A type's own fields are unique across targets: a JSON body that names no type
 * is told apart by them. Shared fields (`shared`: the key template, TTLs, write modes, member and
 * increment columns) mean the same for every type that takes them and never tell types apart.
 */
export interface TargetOption<T> {
  field: OptionOf<T>;
  sql: string;
  shared?: true;
}

/**
 * The checks a writer applies to its raw fields, implemented by the validator (config/validate.ts)
 * in the spelling of the door the table came from. Each throws SinkConfigError on a bad value.
 */
export interface TargetChecks<F extends string> {
  /** A key prefix: may be empty; required unless `required` is false. */
  prefix(field: F, required?: boolean): string | undefined;
  /** A column name; must be in the schema when the table declares one. */
  column(field: F, required: boolean): string | undefined;
  positiveInteger(field: F): number | undefined;
  /** A non-empty string. */
  name(field: F): string | undefined;
  /** A key template (`'user:{id}:{region}'`): its syntax, and its columns against the schema. */
  template(field: F): string | undefined;
  /** One of `choices`, case-insensitive, returned in its canonical spelling. */
  choice<V extends string>(field: F, choices: readonly V[], required: boolean): V | undefined;
  /** Whether the field was given. */
  has(field: F): boolean;
  /** The declared type of a column, when the table has a schema. */
  columnType(column: string): string | undefined;
  /** Fails the field with `message` (after its name). */
  fail(field: F, message: string): never;
  /** A field as the table's front door spells it (`'sink.key_template'` in SQL), quoted. */
  option(field: F): string;
}

/** How a column's value becomes a command argument. */
export type ValueKind =
  /** Its text form (keys, fields, members). */
  | 'text'
  /** A finite number: a score, or a float increment. */
  | 'number'
  /** An integer Redis can hold (signed 64-bit). */
  | 'integer';

/**
 * What a writer reads from each row besides its key: the row encoder (row-encoder.ts) fills
 * `field`, `value`, `ttl` and `pairs` from it, one code path for every type.
 */
export interface RowShape {
  /** The column whose value is each row's `field` (a hash field, a sorted-set score, ...). */
  field?: { column: string; kind: ValueKind; role: string };
  /**
   * The column whose value is each row's `value` (a member, an increment); undefined: the row
   * encoded in the table's format (JSON, or Raw's value column).
   */
  value?: { column: string; kind: ValueKind; role: string };
  /**
   * Each row is one field per column (a hash or stream entry): `pairs` holds them; a null column
   * is left out, or (`'delete'`) listed in `deletes`.
   */
  columns?: { nulls: 'skip' | 'delete' };
  /** Each row's time to live from a column: seconds, or an absolute time (milliseconds). */
  ttl?: { column: string; kind: TtlKind };
  /**
   * A field the table adds to each JSON value (a message id): a row without a schema that has
   * a field of that name is a bad row, since JSON would hold the name twice.
   */
  added?: { field: string; role: string };
}

export type TtlKind = 'seconds' | 'timestamp';
export type TtlRefresh = 'always' | 'on_create';

/** The shared TTL options of every keyed type. */
export interface TtlOptions {
  /** Seconds every key lives after a write. Positive integer. */
  ttlSecs?: number;
  /** Column holding each row's TTL, instead of `ttlSecs`. */
  ttlColumn?: string;
  /** What `ttlColumn` holds: `seconds` (default) or a `timestamp` to expire at. */
  ttlKind?: TtlKind;
  /** `always` (default): every write sets the TTL again; `on_create`: only a key without one gets it. */
  ttlRefresh?: TtlRefresh;
}

/** The shared key option of every type: the key built from several columns. */
export interface KeyTemplateOption {
  /**
   * `'user:{user_id}:{region}'`: `{column}` is the column's text; `{{` and `}}` are literal braces
   * (a Redis Cluster hash tag from a column: `'{{{user_id}}}:cart'`). Instead of prefix + column.
   */
  keyTemplate?: string;
}

/** The rows of one flush as parallel arrays, in input order; each array only when rows have it. */
export interface FlushRows {
  readonly keys: readonly (string | Buffer)[];
  readonly fields: readonly (string | Buffer)[];
  readonly values: readonly (string | Buffer)[];
  /** Per row: seconds to live, or the time to expire at (ms), as the table's `ttlKind` says. */
  readonly ttls: readonly number[];
  /** Per row: field, value, field, value, ... (one per column). */
  readonly pairs: readonly (readonly (string | Buffer)[])[];
  /** Per row: the columns that were null, when nulls delete. */
  readonly deletes: readonly (readonly string[] | null)[];
  /** Per row: its source position as `partition:offset`, when the writer asked for them. */
  readonly positions: readonly string[];
  /** The rows grouped by key, keys in order of first appearance (computed once per flush). */
  groups(): readonly KeyGroup[];
}

/** A flush's pipeline being built: each command, and how many rows it carries (0: bookkeeping). */
export interface FlushCommands {
  readonly commands: Command[];
  readonly rowsPerCommand: number[];
  /** The target is a Redis Cluster. */
  readonly cluster: boolean;
}

/** A key read back for people (the CLI's summary of what a run left in Redis). */
export interface KeySample {
  /** Seconds to live (-1: none), for types that carry one. */
  ttl?: number;
  /** Elements of a collection. */
  length?: number;
  /** The value, or the first elements (with their field, for types that have one). */
  entries: { field?: string; value: string }[];
}

/**
 * What a retracted row (a delete `-D`, or the old row `-U` of an update) does in `upsert` mode.
 */
export type Retraction =
  /**
   * Removes what the row wrote: `DEL key`, `HDEL key field`, or `SREM`/`ZREM key member` (`arg`:
   * what the command takes after the key). `overwrite`: a write replaces what an earlier row of
   * the same identity wrote, so an update-before followed by its update-after is dropped.
   */
  | {
      kind: 'delete';
      verb: 'DEL' | 'HDEL' | 'SREM' | 'ZREM';
      arg: 'none' | 'field' | 'value';
      overwrite: boolean;
    }
  /** Adds the row's number negated (`part`: the row part holding it): counters, score increments. */
  | { kind: 'negate'; part: 'field' | 'value' }
  /** Append-only: a retraction can only be written as an event row (lists, streams, channels). */
  | { kind: 'event' };

/** The fixed parts of a table's one command per row (see {@link TargetWriter.perRow}). */
export interface PerRowForm {
  verb: string;
  /** Arguments between the key and the value (`MAXLEN ~ n * row`); none by default. */
  middle?: readonly string[];
  /** Arguments after the value (`EX ttl`); none by default. */
  tail?: readonly string[];
  /** The verb of `verb key` removing a key (an `upsert` table's delete); none: rows cannot be removed. */
  remove?: string;
}

/** Everything type-specific about one kind of target `T`. */
export interface TargetWriter<T extends { readonly type: string }> {
  readonly type: T['type'];
  /** The type's name in messages: `String`. */
  readonly title: string;
  /** What Redis `TYPE` answers for the keys it writes. */
  readonly redisType: string;
  /**
   * Configuration fields, in documented order: the type's own first (the first one is its
   * prefix), then the shared ones it takes.
   */
  readonly options: readonly TargetOption<T>[];
  /**
   * Rows of one key come often (lists, hashes): the row encoder keeps each key's full text so
   * rows of a key share one string; String keys rarely repeat and keep none.
   */
  readonly keysRepeat: boolean;

  /** Validates the raw fields of a table of this type, in order (the first problem is reported). */
  check(c: TargetChecks<OptionOf<T>>): T;
  /** The prefix every key starts with (`''` with a key template). */
  keyPrefix(t: T): string;
  /** The column whose text follows the prefix in each key; undefined: the bare prefix, or a template. */
  keyColumn(t: T): string | undefined;
  /** The key template, when keys are built from one. */
  keyTemplate(t: T): string | undefined;
  /** What each row carries besides its key. */
  shape(t: T): RowShape;
  /**
   * Columns that say which Redis element a row overwrites, besides the key (a hash field, a
   * sorted-set member); a GROUP BY writes each group there.
   */
  identityColumns(t: T): string[];
  /**
   * What writing a GROUP BY's group updates does: `replace` — a row replaces what an earlier row
   * of the same key (and identity columns) wrote, so the group's latest value is what stays;
   * `append` — each update is recorded as an event (a list, a stream, a channel); `refuse` — each
   * row adds to what is there (an increment, a member), so updates would pile up.
   */
  groupedWrites(t: T): 'replace' | 'append' | 'refuse';
  /**
   * Default delivery is `exactly_once`: a replay would write a row twice (a push, an increment,
   * a stream entry), not rewrite the same value.
   */
  exactlyOnceByDefault(t: T): boolean;
  /** What a retraction does to this target in `upsert` mode. */
  retraction(t: T): Retraction;

  /**
   * Appends the at-least-once data commands of one flush. Keys are independent; each key's rows
   * keep their input order. Called once per flush, never per row.
   */
  commands(t: T, rows: FlushRows, out: FlushCommands): void;
  /**
   * Commands run once per key per flush after its rows, on both paths (a list's LTRIM, a sorted
   * set's top N): each idempotent, with the key as its first argument.
   */
  trim?(t: T, key: string | Buffer): Command | undefined;
  /**
   * The exactly-once form of its rows: what the fence script applies. Null: the type's writes
   * cannot be taken back or deduplicated (PUBLISH), so it is at-least-once only.
   */
  fenced(t: T): FencedForm | null;
  /**
   * Whether the data commands already set the TTL (a String's `SET ... EX`), on the path given;
   * otherwise one EXPIRE per key per flush follows them.
   */
  ttlInline?(t: T, fenced: boolean): boolean;
  /** Whether rows need their source positions on the at-least-once path (message ids). */
  needsPositions?(t: T): boolean;
  /**
   * The rows of one key are one variadic `verb key [flags] ...` per flush (lists, hashes, sets,
   * sorted sets), which the sink may encode into per-key arenas as rows arrive
   * (grouped-pipeline.ts) where the transport takes pre-encoded pipelines; undefined: they are not.
   */
  grouped?(t: T): { verb: string; flags: readonly string[] } | undefined;
  /**
   * Each row is one `verb key [middle] value [tail]` (strings, streams, pub/sub), which the sink
   * may encode straight into its own buffer as rows arrive (per-row-pipeline.ts) where the
   * transport takes pre-encoded pipelines; each key's commands after its rows (a TTL) follow
   * once per flush. Undefined: this table's rows need more than that.
   */
  perRow?(t: T): PerRowForm | undefined;
  /**
   * Each row adds an integer to its key's (key and field's) value, and the rows of a flush may be
   * summed into one `verb key [field] sum` each as they arrive (sum-pipeline.ts, writers/sum.ts);
   * undefined: they may not.
   */
  summed?(t: T): { verb: 'INCRBY' | 'HINCRBY' } | undefined;
  /**
   * The rows of one sorted-set member within a flush go to Redis as one element, with the score
   * they would leave it (writers/member-scores.ts, score-pipeline.ts); undefined: every row goes.
   */
  memberScores?(t: T): KeepScore | undefined;

  /** Commands reading a sample of one key, at most `entries` elements of it. */
  sampleCommands(key: string, entries: number): Command[];
  /** The sample, from the replies to {@link sampleCommands}. */
  sample(replies: readonly Reply[], entries: number): KeySample;
  /** How a sample is introduced to people: `TTL 1800 s`, `list of 12; the first 5, from the head`. */
  describeSample(s: KeySample): string;
}

/** A reply as text. */
export const replyText = (r: Reply): string => (Buffer.isBuffer(r) ? r.toString('utf8') : String(r));

/** A count for people: `12,345`. */
export const countText = (n: number): string => n.toLocaleString('en-US');

/** Appends one command carrying `rows` rows. */
export function emit(out: FlushCommands, cmd: Arg[], rows: number): void {
  out.commands.push(cmd);
  out.rowsPerCommand.push(rows);
}
