import type { ActorParent, ActorRef } from '../actors/actor.js';
import { MailboxClosedError } from '../actors/mailbox.js';
import type { Logger } from '../log.js';
import type { RowStage, ShardOperatorFactory } from '../plan/operators.js';
import { SlotRouter } from '../plan/router.js';
import { connectTable } from '../sink/connect-table.js';
import type { SinkTable } from '../sink/model.js';
import { RedisSink } from '../sink/sink.js';
import { type ShardAck, ShardActor, type ShardState } from './shard-actor.js';
import { type BarrierPosition, SourceActor, type SourceOutput } from './source-actor.js';
import type { Source, SourcePosition, SourceReader } from './sources/source.js';

/**
 * Rows a shard's sink may hold unacknowledged. Lower than a standalone sink's default: a barrier's
 * ack waits for them all, so this bounds how long a checkpoint takes. Since barriers no longer
 * stop the flow, a deeper pipeline costs checkpoints little and keeps Redis busy: 20,000 was
 * faster than 5,000 with less CPU per row in every process (docs/benchmarks.md, "Figures behind
 * design decisions").
 */
export const SHARD_MAX_IN_FLIGHT_ROWS = 20_000;

/** A table as hosted: its validated model, shard count and the sources feeding it. */
export interface HostedTable {
  table: SinkTable;
  shards: number;
  /** Names of the sources feeding the table. */
  sources: readonly string[];
  /**
   * Host only this shard index (a worker of the distributed runtime hosts single shards). Rows
   * routed to another shard fail the source ({@link MisroutedRowsError}): producers route with
   * the same router, so that is a bug, never data to drop silently.
   */
  only?: number;
  /** Per feeding source name: what its rows go through before routing (a query's WHERE, SELECT, ORDER BY). */
  stages?: ReadonlyMap<string, RowStage>;
  /**
   * A stateful operator each shard runs on its rows (a GROUP BY aggregation), and the table as the
   * router sees the rows the stages hand it (they carry the sink key, not the sink's columns).
   */
  aggregate?: { factory: ShardOperatorFactory; routing: SinkTable };
}

export interface WorkerHostOptions {
  tables: readonly HostedTable[];
  sources: readonly Source[];
  /** Positions to resume at, by channel (from the restored checkpoint; empty: from the start). */
  restored: Readonly<Record<string, SourcePosition>>;
  /** Shard states of the restored checkpoint, by shard name (operator state of aggregating shards). */
  restoredShards?: Readonly<Record<string, unknown>>;
  /** Generation handed to every sink (`limits.generation`): fences refuse older writers. */
  generation: number;
  /** Job identity handed to every sink (`limits.fenceOwner`): whose offsets the fences hold. */
  fenceOwner?: string;
  /** Rows per source read. */
  batchSize: number;
  waitTimeoutMs: number;
  /** Rows a shard's sink holds unacknowledged before it waits. Default {@link SHARD_MAX_IN_FLIGHT_ROWS}. */
  maxInFlightRows?: number;
  onPosition: (p: BarrierPosition) => void;
  onAck: (a: ShardAck) => void;
  onChannelFinished: (channel: string) => void;
  /** The first failure of any hosted actor (its cause, never a follow-on closed mailbox). */
  onFailure: (err: unknown, actor: string) => void;
  logger: Logger;
}

/**
 * Hosts one job attempt's actors in this process: a {@link ShardActor} per table shard (each with
 * its own sink and client, owning a contiguous slot range) and a {@link SourceActor} per channel
 * that routes rows by `slot(key)` to the shards of every table it feeds.
 *
 * ```
 *   gen/0 ─┐                ┌─▶ strings#0 [0..8191]     (own client, own sink)
 *   gen/1 ─┼─ route by slot ┼─▶ strings#1 [8192..16383]
 *   gen/2 ─┘                ├─▶ lists#0 ... lists#1 ...
 *                           └─▶ hashes#0 ...
 * ```
 *
 * It is the parent of those actors: a failure reaches it as state and is passed on, once, to
 * whoever runs the attempt (see docs/runtime.md: a shard failure fails the attempt).
 */
export class WorkerHost implements ActorParent {
  readonly #o: WorkerHostOptions;
  readonly shards: ShardActor[] = [];
  readonly sourceActors: SourceActor[] = [];
  #readers: SourceReader[] = [];
  #failed = false;
  #stopping = false;

  constructor(options: WorkerHostOptions) {
    this.#o = options;
  }

  /** Channel ids, in start order. */
  get channels(): string[] {
    return this.sourceActors.map((s) => s.channel);
  }

  /** Opens the readers, connects every shard, then starts the flow. Rejects if any connect fails. */
  async start(): Promise<void> {
    const o = this.#o;
    const byName = new Map(o.sources.map((s) => [s.name, s]));
    const readersOf = new Map<string, SourceReader[]>();
    for (const s of o.sources) {
      const readers = await s.open(o.restored);
      readersOf.set(s.name, readers);
      this.#readers.push(...readers);
    }
    const outputsOf = new Map<string, SourceOutput[]>();
    const connecting: Promise<void>[] = [];
    for (const t of o.tables) {
      const inputs: string[] = [];
      for (const name of t.sources) {
        if (!byName.has(name)) throw new RangeError(`table ${t.table.name}: unknown source ${name}`);
        for (const r of readersOf.get(name)!) inputs.push(r.channel);
      }
      const router = new SlotRouter(t.aggregate?.routing ?? t.table, t.shards);
      const restoredOperators = Object.values(o.restoredShards ?? {})
        .filter((st) => (st as ShardState | null)?.table === t.table.name)
        .map((st) => (st as ShardState).operator);
      const shards: ShardActor[] = [];
      router.ranges.forEach((range, j) => {
        if (t.only !== undefined && j !== t.only) return;
        let ready!: () => void;
        let broken!: (err: unknown) => void;
        connecting.push(
          new Promise<void>((resolve, reject) => {
            ready = resolve;
            broken = reject;
          }),
        );
        shards[j] = new ShardActor({
          name: `${t.table.name}#${j}`,
          table: t.table,
          range,
          inputs,
          operator: t.aggregate?.factory.create(range, restoredOperators),
          waitTimeoutMs: o.waitTimeoutMs,
          onAck: o.onAck,
          parent: this,
          logger: o.logger,
          connect: async () => {
            try {
              const target = await connectTable(t.table, process.env, { logger: o.logger });
              const sink = new RedisSink(t.table, target, o.logger, {
                generation: o.generation,
                fenceOwner: o.fenceOwner,
                maxInFlightRows: o.maxInFlightRows ?? SHARD_MAX_IN_FLIGHT_ROWS,
              });
              ready();
              return { sink, target };
            } catch (err) {
              broken(err);
              throw err;
            }
          },
        });
      });
      for (const s of shards) if (s !== undefined) this.shards.push(s);
      for (const name of t.sources) {
        let outs = outputsOf.get(name);
        if (outs === undefined) outputsOf.set(name, (outs = []));
        outs.push({ router, shards, stage: t.stages?.get(name) });
      }
    }
    for (const s of o.sources) {
      for (const reader of readersOf.get(s.name)!) {
        this.sourceActors.push(
          new SourceActor({
            reader,
            outputs: outputsOf.get(s.name) ?? [],
            batchSize: o.batchSize,
            onBarrier: o.onPosition,
            onFinished: o.onChannelFinished,
            parent: this,
            logger: o.logger,
          }),
        );
      }
    }
    for (const shard of this.shards) shard.start();
    await Promise.all(connecting);
    for (const src of this.sourceActors) src.start();
  }

  /** A checkpoint with these positions is durable: tells the readers (ingest acknowledges). */
  committed(positions: Readonly<Record<string, SourcePosition>>): void {
    for (const r of this.#readers) {
      const p = positions[r.channel];
      if (p !== undefined) r.committed?.(p);
    }
  }

  /** Injects barrier `id` into every channel. */
  injectBarrier(id: number): void {
    for (const s of this.sourceActors) s.injectBarrier(id);
  }

  /** Stops sources first (nothing new flows), then shards (flushing what they accepted), readers last. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.sourceActors.map((s) => s.stop('drop')));
    await Promise.all(this.shards.map((s) => s.stop('drop')));
    await Promise.all(this.#readers.map((r) => r.close().catch(() => {})));
  }

  onChildFailed(child: ActorRef, error: unknown): void {
    // A source whose shard ended meets a closed mailbox: a consequence, not the cause.
    if (error instanceof MailboxClosedError || this.#stopping || this.#failed) return;
    this.#failed = true;
    this.#o.onFailure(error, child.name);
  }
}
