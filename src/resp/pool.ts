/**
 * Several connections per node, and a bound on the pipelines each has in flight, behind the one
 * transport interface. A pool holds N members of one topology (N standalone clients, or N cluster
 * clients: then N connections to every node) and sends each command to member `slot % N`, where
 * `slot` is the hash slot of its first key. So all commands of one key, and of one slot, go over
 * one connection in call order, which keeps per-key order (and the per-slot order fenced calls
 * rely on) while different keys spread over N connections.
 *
 *   pipeline([c0 c1 c2 c3])        member 0: [c0 c2]   ──▶ replies r0 r2 ┐
 *      split by slot % N    ──▶    member 1: [c1 c3]   ──▶ replies r1 r3 ┴▶ [r0 r1 r2 r3]
 *
 * A member with `maxPipelinesInFlight` calls awaiting replies queues the next ones (FIFO, so the
 * order per member holds) until one settles.
 */
import Denque from 'denque';
import { firstKeySlot, NO_SLOT } from './cluster/command-keys.js';
import type { EncodedCommands } from './encoded-commands.js';
import type { Command, Reply } from './reply.js';
import type { CallOptions, RedisTransport, ReplicaAck, TransportTopology } from './target.js';

/** Options of {@link createPool}. */
export interface PoolOptions {
  /** Calls (pipelines or single commands) one member may have awaiting replies. Default: no bound. */
  maxPipelinesInFlight?: number;
}

/** One member and the calls it has in flight or waiting. */
interface Lane {
  readonly member: RedisTransport;
  inFlight: number;
  readonly waiting: Denque<() => void>;
}

/** A transport over several members; see the file comment. */
export class ConnectionPool implements RedisTransport {
  readonly topology: TransportTopology;
  readonly #lanes: Lane[];
  readonly #max: number;
  /** Only with one member: its commands need no routing, so encoded pipelines pass through. */
  readonly pipelineEncoded?: (encoded: EncodedCommands, options?: CallOptions) => Promise<Reply[]>;

  constructor(members: readonly RedisTransport[], options: PoolOptions = {}) {
    if (members.length === 0) throw new RangeError('a connection pool needs at least one member');
    this.topology = members[0].topology;
    this.#lanes = members.map((member) => ({ member, inFlight: 0, waiting: new Denque<() => void>() }));
    this.#max = options.maxPipelinesInFlight ?? Number.POSITIVE_INFINITY;
    const only = members.length === 1 ? members[0] : undefined;
    if (only?.pipelineEncoded !== undefined) {
      this.pipelineEncoded = (encoded, callOptions) =>
        this.#run(this.#lanes[0], () => only.pipelineEncoded!(encoded, callOptions));
    }
  }

  /** Members (connections per node). */
  get size(): number {
    return this.#lanes.length;
  }

  /** Whether any member's socket has bytes waiting in the process (see RedisTransport.isBlocked). */
  get isBlocked(): boolean {
    for (const l of this.#lanes) if (l.member.isBlocked === true) return true;
    return false;
  }

  /** Calls each member has awaiting replies, and calls queued behind the bound, per member. */
  get load(): Array<{ inFlight: number; queued: number }> {
    return this.#lanes.map((l) => ({ inFlight: l.inFlight, queued: l.waiting.length }));
  }

  send<T extends Reply = Reply>(command: Command, options?: CallOptions): Promise<T> {
    const lane = this.#lanes.length === 1 ? this.#lanes[0] : this.#laneOf(firstKeySlot(command));
    return this.#run(lane, () => lane.member.send<T>(command, options));
  }

  pipeline(commands: readonly Command[], options?: CallOptions): Promise<Reply[]> {
    if (this.#lanes.length === 1) {
      // One member routes (or ignores) slots itself: hashing every command's key here would add a
      // CRC16 per row for the tables that send a command per row.
      const lane = this.#lanes[0];
      return this.#run(lane, () => lane.member.pipeline(commands, options));
    }
    return this.pipelineSlots(commands, commands.map(firstKeySlot), options);
  }

  pipelineSlots(
    commands: readonly Command[],
    slots: readonly number[],
    options?: CallOptions,
  ): Promise<Reply[]> {
    const n = this.#lanes.length;
    if (n === 1) {
      const lane = this.#lanes[0];
      return this.#run(lane, () => lane.member.pipelineSlots(commands, slots, options));
    }
    const parts: Array<{ commands: Command[]; slots: number[]; at: number[] } | undefined> = new Array(n);
    for (let i = 0; i < commands.length; i++) {
      const m = this.#indexOf(slots[i]);
      const part = (parts[m] ??= { commands: [], slots: [], at: [] });
      part.commands.push(commands[i]);
      part.slots.push(slots[i]);
      part.at.push(i);
    }
    const sent: Promise<void>[] = [];
    const out: Reply[] = new Array(commands.length);
    for (let m = 0; m < n; m++) {
      const part = parts[m];
      if (part === undefined) continue;
      const lane = this.#lanes[m];
      sent.push(
        this.#run(lane, () => lane.member.pipelineSlots(part.commands, part.slots, options)).then(
          (replies) => {
            for (let j = 0; j < replies.length; j++) out[part.at[j]] = replies[j];
          },
        ),
      );
    }
    return Promise.all(sent).then(() => out);
  }

  /**
   * `WAIT` over every member (each counts the writes of its own connection); per master, the
   * fewest replicas any member's connection got, or the first error reply.
   */
  async waitReplicas(
    count: number,
    timeoutMs: number,
    range: readonly [first: number, last: number],
  ): Promise<ReplicaAck[]> {
    const all = await Promise.all(this.#lanes.map((l) => l.member.waitReplicas(count, timeoutMs, range)));
    const byNode = new Map<string, ReplicaAck>();
    for (const acks of all) {
      for (const ack of acks) {
        const seen = byNode.get(ack.node);
        if (seen === undefined || fewer(ack.reply, seen.reply)) byNode.set(ack.node, ack);
      }
    }
    return [...byNode.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.#lanes.map((l) => l.member.close()));
  }

  #indexOf(slot: number): number {
    return slot === NO_SLOT ? 0 : slot % this.#lanes.length;
  }

  #laneOf(slot: number): Lane {
    return this.#lanes[this.#indexOf(slot)];
  }

  /** Starts `call` on the lane now, or once it is under the bound and the calls before it started. */
  #run<T>(lane: Lane, call: () => Promise<T>): Promise<T> {
    if (lane.inFlight < this.#max && lane.waiting.length === 0) return this.#start(lane, call);
    return new Promise<T>((resolve, reject) => {
      lane.waiting.push(() => {
        this.#start(lane, call).then(resolve, reject);
      });
    });
  }

  #start<T>(lane: Lane, call: () => Promise<T>): Promise<T> {
    lane.inFlight++;
    let p: Promise<T>;
    try {
      p = call();
    } catch (err) {
      p = Promise.reject(err);
    }
    const release = (): void => {
      lane.inFlight--;
      lane.waiting.shift()?.();
    };
    p.then(release, release);
    return p;
  }
}

/** An error reply counts as fewer than any count: the checkpoint must not pass on it. */
function fewer(a: Reply, b: Reply): boolean {
  if (a instanceof Error) return !(b instanceof Error);
  if (b instanceof Error) return false;
  return Number(a) < Number(b);
}

/** A pool over `members` (all of one topology); see {@link ConnectionPool}. */
export function createPool(members: readonly RedisTransport[], options: PoolOptions = {}): ConnectionPool {
  return new ConnectionPool(members, options);
}
