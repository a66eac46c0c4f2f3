import type { IngestSource } from '../actors/sources/ingest.js';

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
  /** Calls `listener` after each recorded checkpoint of the shard; returns an unsubscribe. */
  onCommitted(listener: () => void): () => void;
  /** Resolves when the shard stops being hosted here (revoked, failed, worker stopping). */
  readonly ended: Promise<void>;
}

/** The shards this worker hosts now. */
export interface ShardDirectory {
  get(tableId: string, shard: number): HostedShard | undefined;
}
