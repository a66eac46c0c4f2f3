import type { ShardAck } from '../dataflow/shard-actor.js';
import type { BarrierPosition } from '../dataflow/source-actor.js';
import { IngestSource } from '../dataflow/sources/ingest.js';
import type { SourcePosition } from '../dataflow/sources/source.js';
import { WorkerHost } from '../dataflow/worker-host.js';
import type { Logger } from '../log.js';
import { SlotRouter } from '../plan/router.js';
import type { SinkTable } from '../sink/model.js';
import type { HostedShard } from './hosted-shard.js';

/** What a shard reports at a barrier: the channel's position and the shard's ack, together. */
export interface ShardBarrierDone {
  barrier: number;
  position: SourcePosition;
  /** Non-empty: the shard declined the barrier (WAIT fell short). */
  declined: string;
}

export interface ShardHostOptions {
  tableId: string;
  table: SinkTable;
  shard: number;
  shards: number;
  epoch: number;
  /** Ingest position to resume at (from the table's last checkpoint); undefined: from nothing. */
  position: SourcePosition | undefined;
  batchSize: number;
  waitTimeoutMs: number;
  /** Rows the ingest channel queues before producers wait. */
  bufferRows?: number;
  onBarrierDone: (done: ShardBarrierDone) => void;
  /** A producer's flush waits on this shard: ask the coordinator for a checkpoint. */
  onCheckpointWanted: () => void;
  /** The first failure of the shard's actors; the shard has stopped (or is stopping) by then. */
  onFailure: (err: unknown) => void;
  logger: Logger;
}

/**
 * One table shard hosted by a worker of the distributed runtime: an {@link IngestSource} (fed by
 * producers through the Ingest service) and a {@link WorkerHost} holding just this shard's actors
 * (its own client and sink, sink generation = the assignment epoch).
 *
 * ```
 *  producers ─Write─▶ IngestSource "<table>#<j>" ─▶ source actor ─▶ shard actor j ─▶ Redis
 *                      ▲ acked from commits            barrier ▲        ack │
 *  coordinator ── Barrier N ───────────────────────────────────┘            ▼
 *              ◀─ BarrierDone N (position + ack) ───────────────────────────┘
 *              ── Committed N ──▶ ingest.committed → producers acked
 * ```
 */
export class ShardHost implements HostedShard {
  readonly tableId: string;
  readonly tableName: string;
  readonly shard: number;
  readonly shards: number;
  readonly epoch: number;
  readonly ingest: IngestSource;
  readonly keyedRows = true;
  readonly router: SlotRouter;
  readonly ended: Promise<void>;
  readonly #o: ShardHostOptions;
  readonly #host: WorkerHost;
  readonly #listeners = new Set<() => void>();
  /** Per barrier id: what arrived of (position, ack). */
  readonly #pending = new Map<number, { position?: BarrierPosition; ack?: ShardAck }>();
  #end!: () => void;
  #stopping: Promise<void> | null = null;

  constructor(options: ShardHostOptions) {
    this.#o = options;
    this.tableId = options.tableId;
    this.tableName = options.table.name;
    this.shard = options.shard;
    this.shards = options.shards;
    this.epoch = options.epoch;
    this.router = new SlotRouter(options.table, options.shards);
    this.ended = new Promise<void>((resolve) => (this.#end = resolve));
    this.ingest = new IngestSource(channelOf(options.table.name, options.shard), {
      bufferRows: options.bufferRows,
    });
    this.#host = new WorkerHost({
      tables: [
        { table: options.table, shards: options.shards, only: options.shard, sources: [this.ingest.name] },
      ],
      sources: [this.ingest],
      restored: options.position === undefined ? {} : { [this.ingest.name]: options.position },
      generation: options.epoch,
      // The table's id is new each time a table is created: a table created again under the same
      // name never finds its predecessor's fences.
      fenceOwner: options.tableId,
      batchSize: options.batchSize,
      waitTimeoutMs: options.waitTimeoutMs,
      onPosition: (p) => this.#arrived(p.barrier, { position: p }),
      onAck: (a) => this.#arrived(a.barrier, { ack: a }),
      onChannelFinished: () => {},
      onFailure: (err) => {
        options.onFailure(err);
        void this.stop();
      },
      logger: options.logger,
    });
  }

  /** Name of the shard: "<table>#<index>". */
  get name(): string {
    return channelOf(this.tableName, this.shard);
  }

  /** Connects the shard's client and starts its actors; rejects when Redis cannot be reached. */
  async start(): Promise<void> {
    try {
      await this.#host.start();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  injectBarrier(id: number): void {
    this.#host.injectBarrier(id);
  }

  /** Checkpoint recorded with this shard at `position`: acknowledges producers up to it. */
  committed(position: SourcePosition): void {
    this.#host.committed({ [this.ingest.name]: position });
    for (const l of this.#listeners) l();
  }

  requestCheckpoint(): void {
    this.#o.onCheckpointWanted();
  }

  onCommitted(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops taking rows and stops the actors (rows not yet flushed are dropped: producers resend). */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      try {
        await this.#host.stop();
      } finally {
        this.#listeners.clear();
        this.#end();
      }
    })();
    return this.#stopping;
  }

  #arrived(barrier: number, part: { position?: BarrierPosition; ack?: ShardAck }): void {
    let p = this.#pending.get(barrier);
    if (p === undefined) this.#pending.set(barrier, (p = {}));
    Object.assign(p, part);
    if (p.position === undefined || p.ack === undefined) return;
    this.#pending.delete(barrier);
    // Older barriers that never completed were abandoned by the coordinator.
    for (const id of this.#pending.keys()) if (id < barrier) this.#pending.delete(id);
    this.#o.onBarrierDone({
      barrier,
      position: p.position.position,
      declined: p.ack.declined ?? '',
    });
  }
}

/** Channel (and shard) name of a table shard: "<table>#<index>". */
export function channelOf(tableName: string, shard: number): string {
  return `${tableName}#${shard}`;
}
