import { Actor, type ActorParent, type StopMode } from '../actors/actor.js';
import { LaminarError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RowStage } from '../plan/operators.js';
import type { SlotRouter } from '../plan/router.js';
import type { ShardActor } from './shard-actor.js';
import type { SourcePosition, SourceReader } from './sources/source.js';

/** A table this channel feeds: its router and its shards, by index. */
export interface SourceOutput {
  router: SlotRouter;
  shards: readonly ShardActor[];
  /** Applied to each batch before routing (a query's WHERE, SELECT, ORDER BY), if any. */
  stage?: RowStage;
}

/** Rows reached a worker that does not host their shard (the sender routed with another layout). */
export class MisroutedRowsError extends LaminarError {
  constructor(
    readonly channel: string,
    readonly shard: number,
  ) {
    super('ERR_MISROUTED', `channel ${channel} carried rows for shard ${shard}, which is not hosted here`);
  }
}

/**
 * Index of an output's only shard, else -1. A worker hosting single shards (WorkerHost `only`)
 * has one entry in a sparse `shards`; a one-shard table's router sends every row to shard 0.
 */
function soleShard(out: SourceOutput): number {
  const shards = out.shards;
  let s = -1;
  for (let i = 0; i < shards.length; i++) {
    if (shards[i] === undefined) continue;
    if (s >= 0) return -1;
    s = i;
  }
  return s;
}

/** Where a channel stood when it passed barrier N on. */
export interface BarrierPosition {
  channel: string;
  barrier: number;
  position: SourcePosition;
  /** The channel had no more rows (bounded source read to its end). */
  finished: boolean;
}

type SourceMsg = { type: 'pump' } | { type: 'barrier'; id: number };

export interface SourceActorOptions {
  reader: SourceReader;
  outputs: readonly SourceOutput[];
  /** Rows per read. */
  batchSize: number;
  onBarrier: (p: BarrierPosition) => void;
  /** The channel was read to its end. */
  onFinished: (channel: string) => void;
  parent: ActorParent;
  logger: Logger;
}

/**
 * Reads one channel and routes its rows, in order, to the shards of every table it feeds; passes
 * barriers on in line with the rows. Reading is a message to itself (`pump`), so a barrier
 * injected meanwhile is handled between two batches; a read waiting for rows (ingest, a paced
 * generator) is cut short when a barrier comes in.
 */
export class SourceActor extends Actor<SourceMsg> {
  readonly channel: string;
  readonly #o: SourceActorOptions;
  /** Per output, its only shard (see {@link soleShard}); outputs are fixed, so computed once. */
  readonly #sole: readonly number[];
  #reading: AbortController | null = null;
  #finished = false;

  constructor(options: SourceActorOptions) {
    super({
      name: `source ${options.reader.channel}`,
      parent: options.parent,
      logger: options.logger,
      mailboxSize: 16,
    });
    this.channel = options.reader.channel;
    this.#o = options;
    this.#sole = options.outputs.map(soleShard);
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Injects barrier `id`: it follows the rows read so far into every shard. */
  injectBarrier(id: number): void {
    if (this.status !== 'running' && this.status !== 'idle') return;
    this.send({ type: 'barrier', id }).catch(() => {}); // closed: the actor is ending anyway
    this.#reading?.abort();
  }

  /** Stops reading (a waiting read is cut short), then stops the actor. */
  override stop(mode: StopMode = 'drain'): Promise<void> {
    const done = super.stop(mode);
    this.#reading?.abort();
    return done;
  }

  protected override onStart(): void {
    this.post({ type: 'pump' });
  }

  protected override async handle(msg: SourceMsg): Promise<void> {
    if (msg.type === 'barrier') {
      const { reader } = this.#o;
      this.#o.onBarrier({
        channel: this.channel,
        barrier: msg.id,
        position: reader.position(),
        finished: this.#finished,
      });
      for (const out of this.#o.outputs) {
        // `shards` is sparse on a worker hosting single shards (WorkerHost `only`).
        for (const shard of out.shards)
          if (shard !== undefined) await shard.deliver({ type: 'barrier', input: this.channel, id: msg.id });
      }
      return;
    }
    const ac = new AbortController();
    this.#reading = ac;
    const batch = await this.#o.reader.read(this.#o.batchSize, ac.signal);
    this.#reading = null;
    if (batch === null) {
      this.#finished = true;
      this.#o.onFinished(this.channel);
      return; // no more pumps; barriers are still passed on
    }
    if (batch.rows.length > 0) {
      for (let o = 0; o < this.#o.outputs.length; o++) {
        const out = this.#o.outputs[o];
        let b =
          out.stage === undefined
            ? batch
            : out.stage.apply(batch.rows, batch.partition, batch.offsets, batch.kinds);
        if (b instanceof Promise) b = await b; // a lookup join: one wait per batch
        if (b.rows.length === 0) continue;
        const only = this.#sole[o];
        if (only >= 0) {
          // One hosted shard: a producer lane sends one shard's rows, so one row per batch checks
          // the routing instead of routing every row again, a visible share of a worker's CPU
          // (docs/benchmarks.md, "Figures behind design decisions").
          const s = out.router.shardOf(b.rows[0]);
          if (s !== only) throw new MisroutedRowsError(this.channel, s);
          await out.shards[only].deliver({
            type: 'rows',
            input: this.channel,
            rows: b.rows,
            partition: b.partition,
            offsets: b.offsets,
            kinds: b.kinds,
          });
          continue;
        }
        const routed = out.router.route(b.rows, b.partition, b.offsets, b.kinds);
        for (let s = 0; s < routed.length; s++) {
          const r = routed[s];
          if (r === undefined) continue;
          const shard = out.shards[s];
          if (shard === undefined) throw new MisroutedRowsError(this.channel, s);
          await shard.deliver({
            type: 'rows',
            input: this.channel,
            rows: r.rows,
            partition: r.partition,
            offsets: r.offsets,
            kinds: r.kinds,
          });
        }
      }
    }
    if (!this.mailbox.closed) this.post({ type: 'pump' });
  }

  protected override async onStop(): Promise<void> {
    await this.#o.reader.close();
  }
}
