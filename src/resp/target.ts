import type { EncodedCommands } from './encoded-commands.js';
import type { Command, Reply } from './reply.js';

/** Per-call options of {@link RedisTransport.send} and the pipelines. */
export interface CallOptions {
  /** Bulk strings of this reply as Buffers (overrides the client's `returnBuffers`). */
  returnBuffers?: boolean;
  /**
   * This call's timeout, ms (overrides the client's `commandTimeout`); 0 disables it. For
   * commands that block on the server longer than `commandTimeout` allows.
   */
  timeout?: number;
}

/** How a transport reaches Redis: one server, or a cluster routed by hash slot. */
export type TransportTopology = 'standalone' | 'cluster';

/** One master's answer to `WAIT`, from {@link RedisTransport.waitReplicas}. */
export interface ReplicaAck {
  /** The master that answered: `host:port` on a cluster, `'standalone'` for a standalone server. */
  node: string;
  /** Replicas that acknowledged the writes (an integer), or the master's error reply as a value. */
  reply: Reply;
}

/**
 * What callers above `resp/` write and read through: a standalone client or a cluster client,
 * told apart by {@link topology} and capabilities, never by class. Replies come back in the
 * caller's order whatever the transport routes; per-key order holds across calls.
 */
export interface RedisTransport {
  /** Standalone or cluster: what key layouts (one slot per call or not) the caller must plan for. */
  readonly topology: TransportTopology;

  /**
   * Sends one command. Resolves with its reply; an error reply rejects with ReplyError, a lost
   * connection with ConnectionError, a timeout with TimeoutError.
   */
  send<T extends Reply = Reply>(command: Command, options?: CallOptions): Promise<T>;

  /**
   * Sends commands under one promise: one reply per command, in order, error replies as values.
   * Rejects as a whole only when a connection fails with the outcome unknown, or on a timeout. A
   * cluster computes each command's slot (a multi-key command spanning slots rejects up front).
   */
  pipeline(commands: readonly Command[], options?: CallOptions): Promise<Reply[]>;

  /**
   * Like {@link pipeline}, with each command's hash slot computed by the caller already (NO_SLOT
   * for a keyless one), so a cluster skips parsing keys. A standalone server ignores the slots.
   */
  pipelineSlots(
    commands: readonly Command[],
    slots: readonly number[],
    options?: CallOptions,
  ): Promise<Reply[]>;

  /**
   * Sends commands the caller encoded itself (see {@link EncodedCommands}), as {@link pipeline}
   * does. Only a transport that writes every command to one connection has it; a cluster must
   * route each command by its slot and leaves it undefined, so callers test for it once and
   * build command arrays otherwise.
   */
  pipelineEncoded?(encoded: EncodedCommands, options?: CallOptions): Promise<Reply[]>;

  /**
   * True while bytes already sent wait in the process for the socket (Redis reads slower than the
   * caller writes). They move to the kernel only when the event loop turns, so a caller encoding
   * for long stretches should let it turn now and then while this holds (the sink does). A
   * transport that cannot tell leaves it undefined.
   */
  readonly isBlocked?: boolean;

  /**
   * `WAIT <count> <timeoutMs>` on every master serving a slot of `range` (inclusive), each over
   * the very connection that slot's writes used, so it counts their replication. One result per
   * master, in slot order; a standalone server is the one master of every range. Rejects as
   * {@link pipeline} does.
   */
  waitReplicas(
    count: number,
    timeoutMs: number,
    range: readonly [first: number, last: number],
  ): Promise<ReplicaAck[]>;

  /** Closes gracefully: commands already sent get their replies first. */
  close(): Promise<void>;
}
