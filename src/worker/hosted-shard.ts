import type { IngestSource } from '../dataflow/sources/ingest.js';
import type { SlotRouter } from '../plan/router.js';

/** Routes a table's rows to its shards as producers and the shard's own actors do. */
export type ShardRouter = Pick<SlotRouter, 'shardOf' | 'shardOfSlot'>;

/**
 * A table shard hosted by this worker, as the Ingest service sees it. The worker owns it; the
 * Ingest service pushes producers' batches into `ingest` (producer id + sequence number; resends
 * are dropped there) and acknowledges producers from `ingest.acknowledged(producer)` whenever a
 * checkpoint commit is announced.
 */
export interface HostedShard {
  readonly tableId: string;
  readonly tableName: string;
  readonly shard: number;
  readonly shards: number;
  /** Assignment epoch (the sink generation). */
  readonly epoch: number;
  readonly ingest: IngestSource;
  /**
   * The shard writes a table whose model producers encode rows with: it takes
   * `ROW_ENCODING_KEYED` batches. False for a pipeline's ingest source, whose rows feed a query.
   */
  readonly keyedRows: boolean;
  /**
   * The table's router: every row of a batch must route to {@link shard}, or the batch is refused.
   * Undefined where there is nothing to route by (a pipeline's ingest source has one shard).
   */
  readonly router?: ShardRouter;
  /**
   * A producer waits for what it sent (its flush()): have the shard checkpointed soon rather than
   * at the next interval. Fire and forget; the commit that follows calls the listeners.
   */
  requestCheckpoint(): void;
  /** Calls `listener` after each recorded checkpoint of the shard; returns an unsubscribe. */
  onCommitted(listener: () => void): () => void;
  /** Resolves when the shard stops being hosted here (revoked, failed, worker stopping). */
  readonly ended: Promise<void>;
}

/** The shards this worker hosts now. */
export interface ShardDirectory {
  get(tableId: string, shard: number): HostedShard | undefined;
}
