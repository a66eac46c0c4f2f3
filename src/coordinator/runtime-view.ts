import type { PipelineRecord, TableRecord } from './records.js';

/** Where a table's shard lives, for producers. */
export interface ShardRouteView {
  shard: number;
  firstSlot: number;
  lastSlot: number;
  /** "" while the shard is unassigned (its worker was lost and no other has it yet). */
  workerId: string;
  ingestAddress: string;
  epoch: number;
}

export interface WorkerView {
  id: string;
  ingestAddress: string;
  /**
   * `ready` while registered; `lost` once its stream broke or it fell silent; `stopped` once it
   * ended its session on purpose (its stop(), SIGTERM). A gone worker hosts nothing.
   */
  state: 'ready' | 'lost' | 'stopped';
  registeredAtMs: number;
  lastHeartbeatMs: number;
  /** "tableName#index" of each hosted shard. */
  shards: string[];
  /** Pipeline ids it runs. */
  pipelines: string[];
}

/**
 * What the control plane asks of the running system (scheduler, workers, checkpoints). The
 * control plane owns the metadata store and validation; this side owns placement and execution.
 * Errors it throws are LaminarErrors with codes the control API maps to gRPC/HTTP statuses:
 * `ERR_NOT_FOUND`, `ERR_FAILED_PRECONDITION`.
 */
export interface RuntimeView {
  /** A table was stored: place its shards. */
  tableCreated(table: TableRecord): void;
  /** A table is being deleted: stop its shards (resolves once revoked). */
  tableDeleted(table: TableRecord): Promise<void>;
  /** Current placement of a table's shards. */
  routing(table: TableRecord): ShardRouteView[];
  /** Why the table failed (it then takes no rows), or undefined while it runs. */
  tableFailure(table: TableRecord): string | undefined;
  /**
   * Where a pipeline's ingest source takes rows: one route (shard 0, every slot) to the worker
   * running the pipeline, or an unassigned route while it runs nowhere.
   */
  sourceRouting(pipeline: PipelineRecord, source: string): ShardRouteView[];
  workers(): WorkerView[];
  /** A pipeline was stored (state pending): schedule it. */
  pipelineCreated(pipeline: PipelineRecord): void;
  /** Stops a pipeline; resolves with its record once it stopped. */
  stopPipeline(id: string): Promise<PipelineRecord>;
  /** Takes a checkpoint of a running pipeline; resolves with its id once recorded. */
  triggerCheckpoint(id: string): Promise<number>;
  /** Calls `onChange` with the record on every change until unsubscribed. */
  watchPipeline(id: string, onChange: (p: PipelineRecord) => void): () => void;
}
