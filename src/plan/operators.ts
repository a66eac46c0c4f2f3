/**
 * Operators the data flow runs besides routing and writing: a {@link RowStage} in the source
 * actor (per table it feeds: filter, projection, sort — before routing) and a
 * {@link ShardOperator} in each shard of a table (GROUP BY aggregation over the shard's slot
 * range, its state checkpointed). Both are built from SQL queries (src/sql/); the actors only
 * know these interfaces.
 */
import type { Row } from '../sink/row-encoder.js';
import type { SlotRange } from './router.js';

/** Rows of one input with their source positions, as parallel arrays. */
export interface RowBatch {
  rows: Row[];
  /** One partition for all rows, or one per row. */
  partition: string | string[];
  offsets: number[];
  /**
   * One row kind per row (`ROW_INSERT` ... `ROW_DELETE` of src/sink/changelog.ts), or undefined
   * when every row is an insert: batches of plain sources carry none, and cost nothing more.
   */
  kinds?: Uint8Array;
}

/**
 * A transformation of one batch read from a channel, run before routing. The rows it returns keep
 * source positions whose offsets still increase per partition (a sort relabels them), so
 * exactly-once fences apply each row once. Synchronous, except a stage that must wait once per
 * batch (a lookup join reading Redis) returns a promise — never one per row.
 */
export interface RowStage {
  /** `kinds`: the rows' kinds (undefined: all inserts); the result carries those of the rows it keeps. */
  apply(
    rows: readonly Row[],
    partition: string | readonly string[],
    offsets: readonly number[],
    kinds?: Uint8Array,
  ): RowBatch | Promise<RowBatch>;
}

/** A shard's stateful operator: rows in, the rows to write out (or null: nothing to write). */
export interface ShardOperator {
  apply(
    rows: readonly Row[],
    partition: string | readonly string[],
    offsets: readonly number[],
    kinds?: Uint8Array,
  ): RowBatch | null;
  /** The state at a barrier (JSON-serialisable), stored in the checkpoint with the shard's state. */
  snapshot(): unknown;
}

/** Builds a table's operator for each of its shards. */
export interface ShardOperatorFactory {
  /**
   * One shard's operator. `restored` holds the operator states of every shard of the table in
   * the restored checkpoint (the shard count may have changed since): the operator takes the part
   * that belongs to `range`.
   */
  create(range: SlotRange, restored: readonly unknown[]): ShardOperator;
}
