import { Actor, type ActorParent } from '../actors/actor.js';
import { crash, faultDue } from '../dev/fault-points.js';
import type { Logger } from '../log.js';
import type { ShardOperator } from '../plan/operators.js';
import type { SlotRange } from '../plan/router.js';
import { ReplyError } from '../resp/errors.js';
import type { RedisTransport } from '../resp/target.js';
import type { SinkTable } from '../sink/model.js';
import type { Row } from '../sink/row-encoder.js';
import type { RedisSink } from '../sink/sink.js';
import { BarrierAlignment } from './barrier.js';

/** What flows into a shard: rows of one input (in order), and barriers. */
export type ShardMsg =
  | {
      type: 'rows';
      input: string;
      rows: Row[];
      /** Source partition of all rows, or of each row. */
      partition: string | string[];
      offsets: number[];
      /** The rows' kinds (src/sink/changelog.ts); undefined: all inserts. */
      kinds?: Uint8Array;
    }
  | { type: 'barrier'; input: string; id: number };

/** Operator state of a shard at a barrier, stored in the checkpoint. */
export interface ShardState {
  table: string;
  slots: SlotRange;
  /** Rows taken in and skipped, up to the barrier. */
  rowsIn: number;
  /**
   * Rows written and found duplicate, counted when the barrier's rows were acknowledged: rows
   * after the barrier that were acknowledged by then are in them too (they are counters, not
   * positions; restores use the sources' positions).
   */
  rowsWritten: number;
  rowsDuplicate: number;
  rowsSkipped: number;
  /** State of the shard's operator (GROUP BY groups), when it has one. */
  operator?: unknown;
}

/** A shard's answer to barrier N: done (state), or declined (N cannot complete; the job goes on). */
export interface ShardAck {
  shard: string;
  barrier: number;
  state: ShardState;
  /** Why the checkpoint cannot complete, e.g. too few replicas acknowledged the writes. */
  declined?: string;
}

/** A sink connected for one shard, and the connection under it (for WAIT). */
export interface ShardConnection {
  sink: RedisSink;
  target: RedisTransport;
}

export interface ShardActorOptions {
  name: string;
  table: SinkTable;
  range: SlotRange;
  /** Channels feeding the table: the inputs barriers are aligned over. */
  inputs: Iterable<string>;
  /** Runs on the shard's rows before the sink (GROUP BY); its state goes into every checkpoint. */
  operator?: ShardOperator;
  /** Opens this shard's own sink and client (standalone or cluster), once, at start. */
  connect: () => Promise<ShardConnection>;
  onAck: (ack: ShardAck) => void;
  /** WAIT timeout when the table sets `waitReplicas`. */
  waitTimeoutMs: number;
  parent: ActorParent;
  logger: Logger;
  mailboxSize?: number;
}

/** Default capacity of a shard's mailbox, in messages (each one input's rows for the shard). */
export const SHARD_MAILBOX_SIZE = 8;

/**
 * One shard of a table: owns a contiguous slot range and its own sink. Rows arrive already
 * routed (every key in the range), in input order; they go to the sink with their source
 * positions (so fenced tables apply each row once). At barrier N, once aligned over every input,
 * the shard takes its state, sends its open batch and releases its inputs at once; it acks N with
 * that state when every flush sent before the barrier is acknowledged (and `WAIT <waitReplicas>`
 * answered, when the table sets it). Rows after the barrier are written meanwhile, so a
 * checkpoint never drains the shard's pipeline; acks go out in barrier order.
 *
 * A sink failure (server error, lost connection, fenced) fails the actor; its parent decides
 * what that means for the job (see docs/runtime.md).
 */
export class ShardActor extends Actor<ShardMsg> {
  readonly table: SinkTable;
  readonly range: SlotRange;
  readonly #align: BarrierAlignment;
  readonly #options: ShardActorOptions;
  #conn: ShardConnection | undefined;
  /** Acknowledgements of barriers taken, in barrier order (each after its rows are durable). */
  #acks: Promise<void> = Promise.resolve();
  #ackFailed = false;

  constructor(options: ShardActorOptions) {
    super({
      name: options.name,
      parent: options.parent,
      logger: options.logger,
      mailboxSize: options.mailboxSize ?? SHARD_MAILBOX_SIZE,
    });
    this.table = options.table;
    this.range = options.range;
    this.#align = new BarrierAlignment(options.inputs);
    this.#options = options;
  }

  /** The sink, once connected. */
  get sink(): RedisSink | undefined {
    return this.#conn?.sink;
  }

  /** Inputs currently held by barrier alignment. */
  get held(): ReadonlySet<string> {
    return this.#align.held;
  }

  /**
   * Sender side, used by the input's one source actor: waits while the input is held by
   * alignment, then enqueues (waiting while the mailbox is full). A barrier holds its input.
   */
  async deliver(msg: ShardMsg): Promise<void> {
    const wait = this.#align.admit(msg.input);
    if (wait !== undefined) await wait;
    if (msg.type === 'barrier') this.#align.hold(msg.input, msg.id);
    await this.send(msg);
  }

  protected override async onStart(): Promise<void> {
    this.#conn = await this.#options.connect();
    // Replies that fail the sink between writes fail the shard now, not at its next write.
    this.#conn.sink.on('error', (err: Error) => this.fail(err));
  }

  protected override async handle(msg: ShardMsg): Promise<void> {
    const sink = this.#conn!.sink;
    if (msg.type === 'rows') {
      const op = this.#options.operator;
      const out = op === undefined ? msg : op.apply(msg.rows, msg.partition, msg.offsets, msg.kinds);
      // Positions always: an exactly-once table applies them through the fences.
      if (out !== null)
        await sink.write(out.rows, { partition: out.partition, offsets: out.offsets, kinds: out.kinds });
      return;
    }
    if (!this.#align.arrive(msg.input, msg.id)) return;
    if (faultDue('mid-flush')) {
      const flushing = sink.flush();
      flushing.catch(() => {});
      // Let the pipeline reach the socket (and maybe some replies come back), then die.
      await new Promise((resolve) => setImmediate(resolve));
      crash('mid-flush');
    }
    // The barrier's state is what the shard holds now; its rows are durable once every flush sent
    // so far is acknowledged. Rows after the barrier go on meanwhile (they belong to the next
    // checkpoint), so Redis and the sink do not drain at every checkpoint.
    const s = sink.stats;
    const id = msg.id;
    const rowsIn = s.rowsIn;
    const rowsSkipped = s.rowsSkipped;
    const operator =
      this.#options.operator === undefined ? {} : { operator: this.#options.operator.snapshot() };
    const durable = sink.settled();
    durable.catch(() => {}); // awaited in turn below; a failure meanwhile is not unhandled
    this.#acks = this.#acks.then(async () => {
      if (this.#ackFailed) return; // a failed shard acknowledges no later barrier
      try {
        await durable;
        const declined = this.table.waitReplicas === undefined ? undefined : await this.#waitReplicas();
        this.#options.onAck({
          shard: this.name,
          barrier: id,
          declined,
          state: {
            table: this.table.name,
            slots: this.range,
            rowsIn,
            rowsWritten: s.rowsWritten,
            rowsDuplicate: s.rowsDuplicate,
            rowsSkipped,
            ...operator,
          },
        });
      } catch (err) {
        this.#ackFailed = true;
        this.fail(err);
      }
    });
    this.#align.release();
  }

  protected override async onStop(reason: 'stopped' | 'failed'): Promise<void> {
    // Senders held by alignment go on, and meet the closed mailbox instead of waiting forever.
    this.#align.release();
    const conn = this.#conn;
    if (conn === undefined) return;
    // A drained shard acknowledges the barriers it took before it closes.
    if (reason === 'stopped') await this.#acks;
    try {
      await conn.sink.close();
    } catch {
      // A failed sink still closes its connection; its error is already the actor's (or moot).
    }
  }

  /**
   * `WAIT <waitReplicas> <timeout>` on every connection this shard wrote through: each master
   * serving a slot of the shard's range, over the very connection the writes used. Returns why
   * the checkpoint must be declined, or undefined when every master reached the count.
   */
  async #waitReplicas(): Promise<string | undefined> {
    const { target } = this.#conn!;
    const want = this.table.waitReplicas!;
    const acks = await target.waitReplicas(want, this.#options.waitTimeoutMs, this.range);
    const short: string[] = [];
    for (const { node, reply: r } of acks) {
      if (r instanceof ReplyError || r instanceof Error) short.push(`${node}: ${(r as Error).message}`);
      else if (typeof r === 'number' && r < want) short.push(`${node}: ${r} of ${want} replicas`);
    }
    return short.length === 0 ? undefined : `WAIT ${want}: ${short.join('; ')}`;
  }
}
