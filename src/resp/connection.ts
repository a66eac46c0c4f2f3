import type net from 'node:net';
import Denque from 'denque';
import { Decoder } from './decoder.js';
import type { EncodedCommands } from './encoded-commands.js';
import { CommandEncoder } from './encoder.js';
import { ConnectionError, ProtocolError, ReplyError, TimeoutError } from './errors.js';
import { openSocket } from './open-socket.js';
import type { NormalizedClientOptions } from './options.js';
import { commandName, Pending } from './pending.js';
import type { Command, Reply, ReplyHandler } from './reply.js';
import { formatAddress } from './url.js';

/** What a connection tells its owner. */
export interface ConnectionListener {
  onPush(frame: Reply[]): void;
  onAttribute(attribute: Map<Reply, Reply>): void;
  /** The socket's buffer emptied after a write was held back. */
  onDrain(): void;
  /** The socket is gone; every pending entry has already been failed. */
  onClose(connection: Connection, error: Error | undefined): void;
}

/**
 * One socket to one Redis server: encodes commands into a write arena, flushes once per tick (or
 * early past `flushBytes`), and matches replies to a FIFO of pending entries.
 *
 * ```
 *  send ──encode──> arena ──flush (setImmediate | flushBytes)──> socket
 *                                                                  │
 *  queue: [Pending, Pending, ...]  <──shift── onReply <──decoder <─┘
 * ```
 * No reconnect logic lives here: a closed connection is dead, and its owner opens a new one.
 */
export class Connection implements ReplyHandler {
  readonly address: string;
  private readonly queue = new Denque<Pending>();
  private readonly encoder: CommandEncoder;
  private readonly decoder: Decoder;
  private flushScheduled = false;
  /** The socket asked us to wait for 'drain'; bytes stay in the arena meanwhile. */
  private blocked = false;
  private seq = 0;
  private writtenSeq = 0;
  private closed = false;
  private closeError: Error | undefined;
  private endWhenIdle: (() => void) | null = null;
  /** Bytes arrived since the last timeout check; the check turns it into `quietSince`. */
  private received = false;
  /** Timeout check time after which nothing has arrived (a flag per chunk, no clock per chunk). */
  private quietSince = Date.now();
  private readonly flushCallback = (): void => this.flush();

  private constructor(
    private readonly socket: net.Socket,
    private readonly options: NormalizedClientOptions,
    private readonly listener: ConnectionListener,
  ) {
    this.address = formatAddress(options.host, options.port);
    this.encoder = new CommandEncoder(options.zeroCopyBytes, options.maxArgumentLength);
    this.decoder = new Decoder(this, {
      returnBuffers: options.returnBuffers,
      maxBulkLength: options.maxBulkLength,
      maxDepth: options.maxDepth,
      maxAggregateLength: options.maxAggregateLength,
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.blocked = false;
      this.flush();
      if (!this.blocked) listener.onDrain();
    });
    socket.on('error', (err) => {
      this.closeError ??= err;
    });
    socket.on('close', () => this.onSocketClose());
  }

  /**
   * Opens a socket (TCP or TLS) and resolves once it is connected. The caller runs the handshake.
   * Rejects with ConnectionError (never sent) or TimeoutError.
   */
  static async open(options: NormalizedClientOptions, listener: ConnectionListener): Promise<Connection> {
    return new Connection(await openSocket(options, options.noDelay), options, listener);
  }

  /** Entries waiting for replies. */
  get pendingCount(): number {
    return this.queue.length;
  }

  /** Bytes encoded but not yet on the wire: in the arena (tick, backpressure) or in the socket. */
  get bufferedBytes(): number {
    return this.encoder.pendingBytes + this.socket.writableLength;
  }

  /** True while the socket's buffer is full. */
  get isBlocked(): boolean {
    return this.blocked;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Queues one command. Throws InvalidArgumentError (nothing queued) on a bad argument, its
   * subclass ArgumentTooLargeError on one above `maxArgumentLength`.
   */
  write(entry: Pending, command: Command): void {
    this.encoder.encode(command);
    this.enqueue(entry);
  }

  /** Queues a batch answered by one entry. Throws InvalidArgumentError (nothing queued). */
  writeMany(entry: Pending, commands: readonly Command[]): void {
    this.encoder.encodeMany(commands);
    this.enqueue(entry);
  }

  /** Queues commands encoded by the caller, answered by one entry (see EncodedCommands). */
  writeEncoded(entry: Pending, encoded: EncodedCommands): void {
    this.encoder.append(encoded.chunks);
    this.enqueue(entry);
  }

  /** Sends one command outside any client logic (handshake); server errors reject. */
  request(command: Command): Promise<Reply> {
    const entry = new Pending(1, false, false, commandName(command[0]));
    const promise = entry.promise<Reply>();
    this.write(entry, command);
    return promise;
  }

  /**
   * Fails every entry whose deadline has passed with TimeoutError; their replies are read and
   * dropped when they come. A reply that stopped halfway is different: the stream is stuck inside
   * it, so when the first entry is overdue and not one byte arrived for its whole timeout, the
   * connection is dropped (its owner reconnects) rather than kept for replies that never come.
   */
  expire(now: number): void {
    if (this.received) {
      this.received = false;
      this.quietSince = now;
    }
    const q = this.queue;
    for (let i = 0, n = q.length; i < n; i++) {
      const e = q.peekAt(i)!;
      if (e.deadline > now) break;
      if (!e.settled && e.deadline !== 0) {
        e.fail(new TimeoutError(`${e.name} to ${this.address} timed out`, e.timeout));
      }
    }
    const head = q.peekFront();
    if (
      head !== undefined &&
      head.deadline !== 0 &&
      head.deadline <= now &&
      this.decoder.hasPartial &&
      now - this.quietSince >= head.timeout
    ) {
      this.destroy(
        new TimeoutError(
          `reply to ${head.name} from ${this.address} stopped halfway for ${head.timeout} ms`,
          head.timeout,
        ),
      );
    }
  }

  /** Ends the socket once every pending reply has arrived; resolves when it is closed. */
  end(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.endWhenIdle = () => {
        this.endWhenIdle = null;
        this.flush();
        this.socket.end();
      };
      if (this.queue.length === 0) this.endWhenIdle();
    });
  }

  /** Closes at once; pending entries fail with ConnectionError. */
  destroy(error?: Error): void {
    this.closeError ??= error;
    this.socket.destroy();
  }

  private enqueue(entry: Pending): void {
    if (this.closed) {
      entry.fail(
        new ConnectionError(`connection to ${this.address} is closed`, false, { cause: this.closeError }),
      );
      return;
    }
    entry.seq = ++this.seq;
    if (entry.timeout > 0) entry.deadline = Date.now() + entry.timeout;
    if (this.queue.length === 0) this.decoder.returnBuffers = entry.returnBuffers;
    this.queue.push(entry);
    if (this.encoder.pendingBytes >= this.options.flushBytes) {
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushCallback);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.blocked || this.closed) return;
    const chunks = this.encoder.take();
    const n = chunks.length;
    if (n === 0) return;
    this.writtenSeq = this.seq;
    let ok: boolean;
    if (n === 1) {
      ok = this.socket.write(chunks[0]);
    } else {
      // cork/uncork turns the chunks into one writev.
      this.socket.cork();
      for (let i = 0; i < n; i++) this.socket.write(chunks[i]);
      this.socket.uncork();
      ok = !this.socket.writableNeedDrain;
    }
    if (!ok) this.blocked = true;
  }

  private onData(chunk: Buffer): void {
    this.received = true;
    try {
      this.decoder.feed(chunk);
    } catch (err) {
      this.destroy(
        err instanceof ProtocolError ? err : new ProtocolError('failed to process a reply', { cause: err }),
      );
    }
  }

  /** @internal decoder callback */
  onReply(reply: Reply): void {
    const q = this.queue;
    const e = q.peekFront();
    if (e === undefined) {
      throw new ProtocolError(`reply from ${this.address} with no command waiting for it`);
    }
    const results = e.results;
    if (results === null) {
      q.shift();
      if (!e.settled) {
        e.settled = true;
        if (reply instanceof ReplyError) {
          reply.command = e.name;
          e.reject(reply);
        } else {
          e.resolve(reply as never);
        }
      }
    } else {
      results.push(reply);
      if (--e.remaining !== 0) return;
      q.shift();
      if (!e.settled) {
        e.settled = true;
        e.resolve(results as never);
      }
    }
    const next = q.peekFront();
    if (next !== undefined) {
      if (next.returnBuffers !== this.decoder.returnBuffers) this.decoder.returnBuffers = next.returnBuffers;
    } else if (this.endWhenIdle !== null) {
      this.endWhenIdle();
    }
  }

  /** @internal decoder callback */
  onPush(frame: Reply[]): void {
    this.listener.onPush(frame);
  }

  /** @internal decoder callback */
  onAttribute(attribute: Map<Reply, Reply>): void {
    this.listener.onAttribute(attribute);
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    const cause = this.closeError;
    const reason = cause ? `: ${cause.message}` : '';
    let e: Pending | undefined;
    while ((e = this.queue.shift()) !== undefined) {
      if (e.settled) continue;
      const written = e.seq <= this.writtenSeq;
      e.fail(
        new ConnectionError(
          written
            ? `connection to ${this.address} closed before the reply to ${e.name} (outcome unknown)${reason}`
            : `connection to ${this.address} closed before ${e.name} was sent${reason}`,
          written,
          { cause },
        ),
      );
    }
    this.encoder.take();
    this.listener.onClose(this, cause);
  }
}
