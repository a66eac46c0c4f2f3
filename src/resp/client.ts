import { EventEmitter } from 'node:events';
import Denque from 'denque';
import { LaminarError } from '../errors.js';
import { Connection, type ConnectionListener } from './connection.js';
import type { EncodedCommands } from './encoded-commands.js';
import {
  ClientClosedError,
  ConnectionError,
  OfflineQueueFullError,
  ReplyError,
  TimeoutError,
} from './errors.js';
import { type ClientOptions, type NormalizedClientOptions, parseClientOptions } from './options.js';
import { commandName, Pending } from './pending.js';
import type { Command, Reply } from './reply.js';
import type { CallOptions, RedisTransport, ReplicaAck } from './target.js';
import { probeTlsRefusal, type TlsError, tlsFailure } from './tls.js';
import { respTotals } from './totals.js';
import { formatAddress } from './url.js';

/** Longest wait for a TLS 1.3 server to say why it dropped a connection, ms. */
const TLS_PROBE_TIMEOUT = 2_000;

/** Authentication or handshake refused by the server (WRONGPASS, NOAUTH, NOPERM, ...). */
export class AuthenticationError extends LaminarError {
  constructor(
    message: string,
    /** The server's error prefix, e.g. `WRONGPASS`. */
    readonly prefix: string,
  ) {
    super('ERR_AUTH', message);
  }
}

export type { CallOptions } from './target.js';

/** What a `reconnecting` event carries. */
export interface ReconnectingEvent {
  /** 1 for the first attempt after a loss. */
  attempt: number;
  /** Milliseconds until this attempt. */
  delay: number;
  /** Why the connection was lost (or the previous attempt failed); undefined for a clean close. */
  error: Error | undefined;
}

/**
 * The events of a {@link RedisClient}: event name → listener arguments. `client.on('push', (frame)
 * => ...)` has `frame` typed, and an unknown event name does not compile.
 */
export interface RedisClientEvents {
  /** A RESP3 push frame (pub/sub message, client-side caching invalidation, ...). */
  push: [frame: Reply[]];
  /** A RESP3 attribute frame that preceded a reply. */
  attribute: [attribute: Map<Reply, Reply>];
  /** After each (re)connect and handshake. */
  ready: [];
  /** The socket's buffer emptied after {@link RedisClient.isBlocked}. */
  drain: [];
  /** A reconnect attempt is scheduled. */
  reconnecting: [event: ReconnectingEvent];
  /** A lost connection or a failed reconnect; emitted only when someone listens. */
  error: [error: Error];
  /** The client closed: on purpose (no argument) or for good after giving up (the reason). */
  end: [error?: Error];
}

enum State {
  Connecting,
  Ready,
  Reconnecting,
  Closing,
  Closed,
}

/** A command (or pipeline) waiting for a connection. */
interface Offline {
  entry: Pending;
  commands: Command | readonly Command[] | EncodedCommands;
  kind: Kind;
}

/** What a request carries: one command, an array of them, or encoded commands. */
enum Kind {
  One,
  Many,
  Encoded,
}

// Server messages of these prefixes never echo arguments, so they are safe to show.
const SAFE_AUTH_PREFIXES = new Set(['WRONGPASS', 'NOAUTH', 'NOPERM']);

/**
 * A Redis client over one connection: RESP3 (or RESP2) handshake, pipelining, reconnects with
 * backoff, and a bounded offline queue. Create it with {@link createClient}.
 *
 * Events: see {@link RedisClientEvents}. `await using client = await createClient(...)` closes it
 * (gracefully, as {@link RedisClient.close}) at the end of the scope.
 */
export class RedisClient extends EventEmitter<RedisClientEvents> implements RedisTransport, AsyncDisposable {
  /** One server: every command goes to this client's connection. */
  readonly topology = 'standalone';
  readonly #options: NormalizedClientOptions;
  #conn: Connection | null = null;
  #state: State = State.Connecting;
  readonly #offline = new Denque<Offline>();
  #offlineCommands = 0;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #timeoutTimer: NodeJS.Timeout | null = null;
  /** Period of #timeoutTimer: a quarter of the shortest timeout armed since it started. */
  #timeoutPeriod = 0;
  #closing: Promise<void> | null = null;
  /** Negotiated protocol of the current connection. */
  protocol: 2 | 3 = 3;
  /** The HELLO reply of the current connection (RESP3 only). */
  serverInfo: Map<Reply, Reply> | null = null;
  /** Address as `host:port`, without credentials. */
  readonly address: string;

  readonly #listener: ConnectionListener = {
    onPush: (frame) => this.emit('push', frame),
    onAttribute: (attribute) => this.emit('attribute', attribute),
    onDrain: () => this.emit('drain'),
    onClose: (conn, error) => this.#onClose(conn, error),
  };

  /** @internal use {@link createClient} */
  constructor(options: NormalizedClientOptions) {
    super();
    this.#options = options;
    this.address = formatAddress(options.host, options.port);
  }

  /** True when commands go straight to a connected socket. */
  get isReady(): boolean {
    return this.#state === State.Ready;
  }

  /** Requests waiting for replies plus requests waiting for a connection. */
  get pendingCount(): number {
    return (this.#conn?.pendingCount ?? 0) + this.#offline.length;
  }

  /** Encoded bytes not yet on the wire (in the client or the socket's buffer). */
  get bufferedBytes(): number {
    return this.#conn?.bufferedBytes ?? 0;
  }

  /**
   * True while the socket's buffer is full: Redis reads slower than we write. Callers that
   * produce without awaiting replies should wait for the `drain` event.
   */
  get isBlocked(): boolean {
    return this.#conn?.isBlocked ?? false;
  }

  /**
   * Sends one command. Resolves with its reply; an error reply rejects with ReplyError (with
   * `.command` set), a lost connection with ConnectionError, a timeout with TimeoutError.
   */
  send<T extends Reply = Reply>(command: Command, options?: CallOptions): Promise<T> {
    const entry = new Pending(
      1,
      false,
      options?.returnBuffers ?? this.#options.returnBuffers,
      commandName(command[0]),
    );
    const promise = entry.promise<T>();
    this.#submit(entry, command, Kind.One, options);
    return promise;
  }

  /**
   * Sends commands back to back under one promise. Resolves with one reply per command, in order;
   * error replies are ReplyError values in the array, not rejections. Rejects as a whole only
   * when the connection fails (ConnectionError) or the pipeline times out.
   */
  pipeline(commands: readonly Command[], options?: CallOptions): Promise<Array<Reply>> {
    if (commands.length === 0) return Promise.resolve([]);
    const entry = new Pending(
      commands.length,
      true,
      options?.returnBuffers ?? this.#options.returnBuffers,
      commandName(commands[0][0]),
    );
    const promise = entry.promise<Array<Reply>>();
    this.#submit(entry, commands, Kind.Many, options);
    return promise;
  }

  /**
   * Sends commands the caller encoded itself (see {@link EncodedCommands}), as {@link pipeline}
   * does: one reply per command, error replies as values.
   */
  pipelineEncoded(encoded: EncodedCommands, options?: CallOptions): Promise<Array<Reply>> {
    if (encoded.count === 0) return Promise.resolve([]);
    const entry = new Pending(
      encoded.count,
      true,
      options?.returnBuffers ?? this.#options.returnBuffers,
      encoded.name,
    );
    const promise = entry.promise<Array<Reply>>();
    this.#submit(entry, encoded, Kind.Encoded, options);
    return promise;
  }

  /** Like {@link pipeline}: one server serves every slot, so the slots are not needed. */
  pipelineSlots(
    commands: readonly Command[],
    _slots: readonly number[],
    options?: CallOptions,
  ): Promise<Reply[]> {
    return this.pipeline(commands, options);
  }

  /**
   * `WAIT count timeoutMs` on this connection: the server serves every slot of any range. The
   * command timeout is extended by `timeoutMs`, which the server may spend waiting.
   */
  async waitReplicas(
    count: number,
    timeoutMs: number,
    _range: readonly [first: number, last: number],
  ): Promise<ReplicaAck[]> {
    const timeout = waitTimeout(this.#options.commandTimeout, timeoutMs);
    const [reply] = await this.pipeline([['WAIT', count, timeoutMs]], { timeout });
    return [{ node: 'standalone', reply }];
  }

  /**
   * Closes gracefully: stops reconnecting, waits for the replies of commands already sent, then
   * closes the socket. Commands still waiting for a connection fail with ConnectionError.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closing = this.#shutdown(false);
    return this.#closing;
  }

  /** {@link RedisClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Closes at once; every pending command fails with ConnectionError. */
  disconnect(): Promise<void> {
    // Taken first: #shutdown(true) clears #conn synchronously (it awaits nothing on this path).
    const conn = this.#conn;
    this.#closing ??= this.#shutdown(true);
    conn?.destroy();
    return this.#closing;
  }

  /**
   * @internal Opens the first connection; rejects when it cannot (no retry for the first one), and
   * then the client is closed and commands queued meanwhile fail as never sent.
   */
  async connect(): Promise<void> {
    try {
      await this.#open();
    } catch (err) {
      if (this.#state === State.Connecting) {
        this.#finish(new ConnectionError(`cannot connect to ${this.address}`, false, { cause: err }));
      }
      throw err;
    }
  }

  #submit(
    entry: Pending,
    commands: Command | readonly Command[] | EncodedCommands,
    kind: Kind,
    options: CallOptions | undefined,
  ): void {
    const state = this.#state;
    const timeout = options?.timeout ?? this.#options.commandTimeout;
    if (timeout > 0) entry.timeout = timeout;
    try {
      if (state === State.Ready) {
        writeTo(this.#conn!, entry, commands, kind);
        if (entry.timeout > 0) this.#armTimeouts(entry.timeout);
        return;
      }
      if (state === State.Closing || state === State.Closed) {
        entry.fail(new ClientClosedError());
        return;
      }
      const count =
        kind === Kind.One
          ? 1
          : kind === Kind.Many
            ? (commands as readonly Command[]).length
            : (commands as EncodedCommands).count;
      if (this.#offlineCommands + count > this.#options.maxOfflineCommands) {
        entry.fail(new OfflineQueueFullError(this.#options.maxOfflineCommands));
        return;
      }
      if (entry.timeout > 0) {
        entry.deadline = Date.now() + entry.timeout;
        this.#armTimeouts(entry.timeout);
      }
      this.#offline.push({ entry, commands, kind });
      this.#offlineCommands += count;
    } catch (err) {
      entry.fail(err as Error);
    }
  }

  /** Connects and runs the handshake; on success the client is ready and the offline queue drains. */
  async #open(): Promise<void> {
    const conn = await Connection.open(this.#options, this.#listener);
    try {
      await this.#handshake(conn);
    } catch (err) {
      conn.destroy();
      throw (await this.#tlsRefusal(err)) ?? err;
    }
    if (this.#state === State.Closing || this.#state === State.Closed) {
      conn.destroy();
      return;
    }
    if (conn.isClosed)
      throw new ConnectionError(`connection to ${this.address} closed during handshake`, false);
    this.#conn = conn;
    this.#state = State.Ready;
    this.#attempt = 0;
    this.#drainOffline(conn);
    this.emit('ready');
  }

  /**
   * Under TLS 1.3 a server checks the client certificate after the client's handshake is done,
   * so a refusal surfaces as the loss of the HELLO reply; tells it apart from other losses.
   */
  async #tlsRefusal(err: unknown): Promise<TlsError | undefined> {
    const o = this.#options;
    if (o.tls === undefined) return undefined;
    const known = tlsFailure(err, this.address, o.tls);
    if (known !== undefined || !(err instanceof ConnectionError)) return known;
    const wait = o.connectTimeout > 0 ? Math.min(o.connectTimeout, TLS_PROBE_TIMEOUT) : TLS_PROBE_TIMEOUT;
    return probeTlsRefusal(o.host, o.port, this.address, o.tls, wait);
  }

  async #handshake(conn: Connection): Promise<void> {
    const o = this.#options;
    let timedOut: TimeoutError | null = null;
    const deadline =
      o.connectTimeout > 0
        ? setTimeout(() => {
            timedOut = new TimeoutError(`handshake with ${this.address} timed out`, o.connectTimeout);
            conn.destroy(timedOut);
          }, o.connectTimeout)
        : null;
    try {
      let resp2 = o.protocol === 2;
      if (!resp2) {
        const hello: (string | number)[] = ['HELLO', 3];
        if (o.password !== undefined) hello.push('AUTH', o.username ?? 'default', o.password);
        if (o.name !== undefined) hello.push('SETNAME', o.name);
        try {
          this.serverInfo = (await conn.request(hello)) as Map<Reply, Reply>;
          this.protocol = 3;
        } catch (err) {
          // Servers before Redis 6 do not know HELLO; NOPROTO means RESP3 is not offered.
          if (
            err instanceof ReplyError &&
            (err.prefix === 'NOPROTO' || /unknown command/i.test(err.message))
          ) {
            resp2 = true;
          } else {
            throw this.#handshakeError(err, 'HELLO');
          }
        }
      }
      if (resp2) {
        this.protocol = 2;
        this.serverInfo = null;
        if (o.password !== undefined) {
          const auth = o.username !== undefined ? ['AUTH', o.username, o.password] : ['AUTH', o.password];
          await conn.request(auth).catch((err) => {
            throw this.#handshakeError(err, 'AUTH');
          });
        }
        if (o.name !== undefined) await conn.request(['CLIENT', 'SETNAME', o.name]);
      }
      if (o.db !== 0) await conn.request(['SELECT', o.db]);
    } catch (err) {
      throw timedOut ?? err;
    } finally {
      if (deadline !== null) clearTimeout(deadline);
    }
  }

  /** A handshake failure without anything the server may have echoed from our arguments. */
  #handshakeError(err: unknown, command: string): Error {
    if (!(err instanceof ReplyError)) return err as Error;
    const detail = SAFE_AUTH_PREFIXES.has(err.prefix) ? err.message : `${err.prefix} error`;
    const user = this.#options.username ?? 'default';
    return new AuthenticationError(
      `${command} as user '${user}' refused by ${this.address}: ${detail}`,
      err.prefix,
    );
  }

  #drainOffline(conn: Connection): void {
    let item: Offline | undefined;
    while ((item = this.#offline.shift()) !== undefined) {
      const { entry, commands, kind } = item;
      if (entry.settled) continue;
      try {
        writeTo(conn, entry, commands, kind);
      } catch (err) {
        entry.fail(err as Error);
      }
    }
    this.#offlineCommands = 0;
  }

  #onClose(conn: Connection, error: Error | undefined): void {
    if (conn !== this.#conn) return;
    this.#conn = null;
    if (this.#state === State.Closing || this.#state === State.Closed) return;
    if (error !== undefined && this.listenerCount('error') > 0) this.emit('error', error);
    if (this.#options.reconnect === false) {
      this.#finish(new ConnectionError(`connection to ${this.address} lost and reconnect is off`, false));
      return;
    }
    this.#state = State.Reconnecting;
    this.#scheduleReconnect(error);
  }

  /** One reconnect at a time: exponential backoff with full jitter. */
  #scheduleReconnect(error: Error | undefined): void {
    const policy = this.#options.reconnect;
    if (policy === false || this.#reconnectTimer !== null) return;
    this.#attempt++;
    if (this.#attempt > policy.maxAttempts) {
      this.#finish(
        new ConnectionError(
          `gave up reconnecting to ${this.address} after ${policy.maxAttempts} attempts`,
          false,
          {
            cause: error,
          },
        ),
      );
      return;
    }
    const ceiling = Math.min(policy.maxDelay, policy.initialDelay * 2 ** Math.min(this.#attempt - 1, 30));
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    respTotals.reconnects++;
    this.emit('reconnecting', { attempt: this.#attempt, delay, error });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#state !== State.Reconnecting) return;
      this.#open().catch((err: Error) => {
        if (this.#state !== State.Reconnecting) return;
        if (this.listenerCount('error') > 0) this.emit('error', err);
        this.#scheduleReconnect(err);
      });
    }, delay);
  }

  /** The client can no longer connect: fail what waits and close for good. */
  #finish(error: Error): void {
    this.#state = State.Closed;
    this.#failOffline(error);
    this.#stopTimeouts();
    this.emit('end', error);
  }

  async #shutdown(immediately: boolean): Promise<void> {
    this.#state = State.Closing;
    if (this.#reconnectTimer !== null) {
      clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = null;
    }
    this.#failOffline(new ConnectionError(`client closed before the command was sent`, false));
    const conn = this.#conn;
    if (conn !== null && !immediately) await conn.end();
    this.#conn = null;
    this.#state = State.Closed;
    this.#stopTimeouts();
    this.emit('end');
  }

  #failOffline(error: Error): void {
    let item: Offline | undefined;
    while ((item = this.#offline.shift()) !== undefined) item.entry.fail(error);
    this.#offlineCommands = 0;
  }

  /** One shared timer per client checks deadlines; no timer per command. */
  #armTimeouts(timeout: number): void {
    const period = Math.max(5, Math.min(1000, Math.floor(timeout / 4)));
    if (this.#timeoutTimer !== null) {
      if (period >= this.#timeoutPeriod) return;
      clearInterval(this.#timeoutTimer);
    }
    this.#timeoutPeriod = period;
    this.#timeoutTimer = setInterval(() => this.#expire(), period);
    this.#timeoutTimer.unref();
  }

  #stopTimeouts(): void {
    if (this.#timeoutTimer !== null) clearInterval(this.#timeoutTimer);
    this.#timeoutTimer = null;
  }

  #expire(): void {
    const now = Date.now();
    this.#conn?.expire(now);
    for (let i = 0, n = this.#offline.length; i < n; i++) {
      const { entry } = this.#offline.peekAt(i)!;
      if (entry.deadline > now) break;
      if (entry.deadline === 0) continue;
      entry.fail(
        new TimeoutError(
          `${entry.name} timed out waiting for a connection to ${this.address}`,
          entry.timeout,
        ),
      );
    }
    if (this.pendingCount === 0) this.#stopTimeouts();
  }
}

/**
 * Connects to a Redis server and returns a ready client.
 *
 * ```ts
 * const c = await createClient('redis://user:pass@127.0.0.1:6379/0', { protocol: 3 });
 * await c.send(['SET', 'k', 'v']);
 * ```
 * @param urlOrOptions `redis://` / `rediss://` URL, or options.
 * @param options options that override the URL's.
 */
export async function createClient(
  urlOrOptions?: string | ClientOptions,
  options?: ClientOptions,
): Promise<RedisClient> {
  const client = new RedisClient(parseClientOptions(urlOrOptions, options));
  await client.connect();
  return client;
}

/**
 * Timeout of a `WAIT` that may block `waitMs` on the server: the command timeout on top of it, or
 * none when either is 0 (`WAIT n 0` blocks until the replicas answer).
 */
export function waitTimeout(commandTimeout: number, waitMs: number): number {
  return commandTimeout > 0 && waitMs > 0 ? commandTimeout + waitMs : 0;
}

function writeTo(
  conn: Connection,
  entry: Pending,
  commands: Command | readonly Command[] | EncodedCommands,
  kind: Kind,
): void {
  if (kind === Kind.Many) conn.writeMany(entry, commands as readonly Command[]);
  else if (kind === Kind.One) conn.write(entry, commands as Command);
  else conn.writeEncoded(entry, commands as EncodedCommands);
}
