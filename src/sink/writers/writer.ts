/**
 * One Redis data type as a sink target: everything that differs between String, List and Hash
 * tables lives behind this interface, one file per type, and the generic code (batches, the
 * sink, validation, the three front doors) asks the table's writer instead of testing its type.
 * Adding a type is one more writer file and its entry in the registry (index.ts).
 */

import type { Command, Reply } from '../../resp/reply.js';
import type { FencedForm } from '../fence/fenced-commands.js';

/** The configuration fields of a target: every property but its `type` tag. */
export type OptionOf<T> = T extends unknown ? Exclude<keyof T, 'type'> & string : never;

/**
 * One configuration field of a target and its SQL `WITH` spelling. JSON bodies
 * (`config.connectorType.target.<field>`) and TypeScript objects (`target.<field>`) spell it as
 * the field itself. Field names are unique across targets: a JSON body names no type, the fields
 * it holds tell which.
 */
export interface TargetOption<T> {
  field: OptionOf<T>;
  sql: string;
}

/**
 * The checks a writer applies to its raw fields, implemented by the validator (config/validate.ts)
 * in the spelling of the door the table came from. Each throws SinkConfigError on a bad value.
 */
export interface TargetChecks<F extends string> {
  /** A key prefix: required, may be empty. */
  prefix(field: F): string;
  /** A column name; must be in the schema when the table declares one. */
  column(field: F, required: boolean): string | undefined;
  positiveInteger(field: F): number | undefined;
  /** One of `choices`, case-insensitive, returned in its canonical spelling. */
  choice<V extends string>(field: F, choices: readonly V[], required: boolean): V | undefined;
}

/** The rows of one flush as parallel arrays, in input order; `fields` only when rows have one. */
export interface FlushRows {
  readonly keys: readonly (string | Buffer)[];
  readonly fields: readonly (string | Buffer)[];
  readonly values: readonly (string | Buffer)[];
}

/** A flush's pipeline being built: each command, and how many rows it carries (0: bookkeeping). */
export interface FlushCommands {
  readonly commands: Command[];
  readonly rowsPerCommand: number[];
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

/** Everything type-specific about one kind of target `T`. */
export interface TargetWriter<T extends { readonly type: string }> {
  readonly type: T['type'];
  /** The type's name in messages: `String`. */
  readonly title: string;
  /** What Redis `TYPE` answers for the keys it writes. */
  readonly redisType: string;
  /** Configuration fields, in documented order; the first one is the type's required field. */
  readonly options: readonly TargetOption<T>[];
  /**
   * Default delivery is `exactly_once`: a replay would write a row twice (a push), not rewrite
   * the same value; GROUP BY, whose updates cannot be fenced, must then ask for at-least-once.
   */
  readonly exactlyOnceByDefault: boolean;
  /**
   * Rows of one key come often (lists, hashes): the row encoder keeps each key's full text so
   * rows of a key share one string; String keys rarely repeat and keep none.
   */
  readonly keysRepeat: boolean;

  /** Validates the raw fields of a table of this type, in order (the first problem is reported). */
  check(c: TargetChecks<OptionOf<T>>): T;
  /** The prefix every key starts with. */
  keyPrefix(t: T): string;
  /** The column whose text follows the prefix in each key; undefined: every row has the bare prefix. */
  keyColumn(t: T): string | undefined;
  /** The column that names each row's field within its key; undefined: rows have no field. */
  fieldColumn(t: T): string | undefined;

  /**
   * Appends the at-least-once commands of one flush, and those run once per key per flush after
   * them (a list's LTRIM). Keys are independent; each key's rows keep their input order.
   * Called once per flush, never per row.
   */
  commands(t: T, rows: FlushRows, out: FlushCommands): void;
  /** The exactly-once form of its rows: what the fence script applies. */
  fenced(t: T): FencedForm;
  /**
   * Each row is one `SET key value [EX ttl]`, which the sink may encode straight into its own
   * buffer as rows arrive (set-pipeline.ts) where the transport takes pre-encoded pipelines:
   * the TTL to use (undefined: none). Absent for types whose flush groups rows per key.
   */
  directSet?(t: T): { ttlSecs: number | undefined };

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
