/**
 * A pub/sub subscriber on its own connection: `SUBSCRIBE`, `PSUBSCRIBE` and `SSUBSCRIBE` over
 * RESP3 (push frames) or RESP2, reconnecting with backoff and resubscribing everything after a
 * lost connection. Create it with {@link createSubscriber}; for shard channels on a cluster, see
 * {@link ClusterSubscriber}.
 *
 * Pub/sub is at-most-once: Redis keeps nothing for a subscriber that is not connected, and it
 * closes one that falls behind its `client-output-buffer-limit pubsub`. Each loss is reported as
 * a `disconnected` event ({@link SubscriberDisconnectedError}) and counted in
 * {@link SubscriberStats.disconnects}; never as a silent stall.
 */
import { EventEmitter } from 'node:events';
import { keySlot } from './cluster/key-slot.js';
import { ConnectionError, ReplyError } from './errors.js';
import { type ClientOptions, type NormalizedClientOptions, parseClientOptions } from './options.js';
import { SubscriberClosedError, SubscriberDisconnectedError } from './subscriber-errors.js';
import type { PubSubMessage, SubscriptionEvent, SubscriptionKind } from './subscriber-frames.js';
import { SubscriberSocket, type SubscriberSocketListener } from './subscriber-socket.js';
import { formatAddress } from './url.js';

export type { PubSubMessage, SubscriptionEvent, SubscriptionKind } from './subscriber-frames.js';

/** Counters of a subscriber since it was created. */
export interface SubscriberStats {
  /** Messages received. */
  messages: number;
  /** Connections lost after they were subscribed (each may have lost messages). */
  disconnects: number;
  /** Reconnections that subscribed everything again. */
  resubscriptions: number;
}

/** Names a node refused or stopped serving, and why. */
export interface RefusedSubscription {
  kind: SubscriptionKind;
  names: string[];
  /** The server's error (`MOVED` for a shard channel of another node), or undefined for a `sunsubscribe`. */
  error: ReplyError | undefined;
}

/** The events of a subscriber: event name → listener arguments. */
export interface SubscriberEvents {
  /** A published message. */
  message: [message: PubSubMessage];
  /** Every subscription is in place again after a reconnect. */
  resubscribed: [];
  /** The connection was lost; the subscriber reconnects (unless `reconnect: false`). */
  disconnected: [error: SubscriberDisconnectedError];
  /**
   * Names this node no longer serves: refused at a resubscription, or ended by the server (a shard
   * channel whose slot moved away). They are no longer subscribed here.
   */
  refused: [refused: RefusedSubscription];
  /** A failed reconnect attempt; emitted only when someone listens. */
  error: [error: Error];
  /** Closed: on purpose (no argument) or for good after giving up reconnecting (the reason). */
  end: [error?: Error];
}

const KINDS: readonly SubscriptionKind[] = ['subscribe', 'psubscribe', 'ssubscribe'];

/** A subscriber to one Redis server; see the module comment. */
export class RedisSubscriber extends EventEmitter<SubscriberEvents> implements AsyncDisposable {
  /** `host:port`, without credentials. */
  readonly address: string;
  readonly stats: SubscriberStats = { messages: 0, disconnects: 0, resubscriptions: 0 };
  readonly #options: NormalizedClientOptions;
  readonly #subs: Record<SubscriptionKind, Set<string>> = {
    subscribe: new Set(),
    psubscribe: new Set(),
    ssubscribe: new Set(),
  };
  #socket: SubscriberSocket | null = null;
  /** The running (re)connection; subscriptions made meanwhile wait for it. */
  #opening: Promise<SubscriberSocket> | null = null;
  #attempt = 0;
  #timer: NodeJS.Timeout | null = null;
  #paused = false;
  #closed = false;

  /** @internal use {@link createSubscriber} */
  constructor(options: NormalizedClientOptions) {
    super();
    this.#options = options;
    this.address = formatAddress(options.host, options.port);
  }

  /** True while connected with every subscription in place. */
  get isReady(): boolean {
    return this.#socket !== null && this.#opening === null;
  }

  /** The protocol of the current connection (3 unless the server or the options ask for 2). */
  get protocol(): 2 | 3 {
    return this.#socket?.protocol ?? this.#options.protocol;
  }

  /** Names currently subscribed (or to be resubscribed) of one kind. */
  subscriptions(kind: SubscriptionKind): string[] {
    return [...this.#subs[kind]];
  }

  /** Connects; resolves once the handshake is done. Called by {@link createSubscriber}. */
  async connect(): Promise<void> {
    await this.#connection();
  }

  /** Subscribes to channels; resolves once Redis confirmed them (rejects with its ReplyError). */
  subscribe(...channels: string[]): Promise<void> {
    return this.#add('subscribe', channels);
  }

  /** Subscribes to glob patterns (`PSUBSCRIBE`). */
  psubscribe(...patterns: string[]): Promise<void> {
    return this.#add('psubscribe', patterns);
  }

  /**
   * Subscribes to shard channels (`SSUBSCRIBE`, Redis 7+), one command per hash slot. On a
   * cluster, every channel must live on this node (else `MOVED`): {@link ClusterSubscriber} does
   * the routing.
   */
  ssubscribe(...channels: string[]): Promise<void> {
    return this.#add('ssubscribe', channels);
  }

  /** Ends subscriptions of one kind (unknown names are ignored). */
  async unsubscribe(kind: SubscriptionKind, names: readonly string[]): Promise<void> {
    const known = names.filter((n) => this.#subs[kind].delete(n));
    const socket = this.#socket;
    if (known.length === 0 || socket === null || this.#opening !== null) return;
    await Promise.all(bySlot(kind, known).map((group) => socket.unsubscribe(kind, group))).catch((err) => {
      // A lost connection unsubscribes everything anyway; the names are gone from the set.
      if (!(err instanceof ConnectionError)) throw err;
    });
  }

  /**
   * Stops reading the socket (and resumes with {@link resume}). Redis then buffers what is
   * published for this subscriber, up to its `client-output-buffer-limit pubsub`, past which it
   * closes the connection.
   */
  pause(): void {
    this.#paused = true;
    this.#socket?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#socket?.resume();
  }

  /** Closes the connection and stops reconnecting. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const socket = this.#socket;
    this.#socket = null;
    socket?.destroy();
    this.emit('end');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #add(kind: SubscriptionKind, names: readonly string[]): Promise<void> {
    if (this.#closed) throw new SubscriberClosedError();
    const fresh = [...new Set(names)].filter((n) => !this.#subs[kind].has(n));
    if (fresh.length === 0) return;
    for (const n of fresh) this.#subs[kind].add(n);
    for (;;) {
      let socket: SubscriberSocket;
      try {
        socket = await this.#connection();
        await Promise.all(bySlot(kind, fresh).map((group) => socket.subscribe(kind, group)));
        return;
      } catch (err) {
        if (err instanceof ReplyError || this.#closed) {
          for (const n of fresh) this.#subs[kind].delete(n);
          throw err;
        }
      }
      // Lost on the way: the names stay in the set, and the reconnect subscribes them.
      this.#scheduleReconnect(undefined);
      if (this.#closed) throw new SubscriberClosedError();
      await this.#nextResubscription();
      if (fresh.every((n) => this.#subs[kind].has(n))) return;
      // Refused at the resubscription: try once more on this connection, to reject with the reason.
      for (const n of fresh) this.#subs[kind].add(n);
    }
  }

  /** Resolves at the next resubscription; rejects when the subscriber ends first. */
  #nextResubscription(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.off('end', ended);
        resolve();
      };
      const ended = (error?: Error): void => {
        this.off('resubscribed', done);
        reject(error ?? new SubscriberClosedError());
      };
      this.once('resubscribed', done);
      this.once('end', ended);
    });
  }

  /** The connected socket, opening one first when there is none. */
  #connection(): Promise<SubscriberSocket> {
    if (this.#closed) return Promise.reject(new SubscriberClosedError());
    if (this.#opening !== null) return this.#opening;
    if (this.#socket !== null) return Promise.resolve(this.#socket);
    const opening = this.#open();
    this.#opening = opening;
    opening.then(
      () => {
        if (this.#opening === opening) this.#opening = null;
      },
      () => {
        if (this.#opening === opening) this.#opening = null;
      },
    );
    return opening;
  }

  async #open(): Promise<SubscriberSocket> {
    let socket: SubscriberSocket | undefined;
    const listener: SubscriberSocketListener = {
      onMessage: (m) => {
        this.stats.messages++;
        this.emit('message', m);
      },
      onUnsolicited: (e) => this.#onUnsolicited(e),
      onClose: (error) => {
        if (socket !== undefined) this.#onClose(socket, error);
      },
    };
    socket = await SubscriberSocket.open(this.#options, listener);
    if (this.#closed) {
      socket.destroy();
      throw new SubscriberClosedError();
    }
    if (this.#paused) socket.pause();
    const resubscribing = KINDS.some((k) => this.#subs[k].size > 0);
    for (const kind of KINDS) {
      const names = [...this.#subs[kind]];
      await Promise.all(
        bySlot(kind, names).map((group) =>
          socket.subscribe(kind, group).catch((err: unknown) => {
            if (!(err instanceof ReplyError)) throw err;
            for (const n of group) this.#subs[kind].delete(n);
            this.emit('refused', { kind, names: group, error: err });
          }),
        ),
      );
    }
    if (socket.isClosed) throw new ConnectionError(`subscriber connection to ${this.address} closed`, true);
    const ready = socket;
    this.#socket = ready;
    this.#attempt = 0;
    if (resubscribing) {
      this.stats.resubscriptions++;
      this.emit('resubscribed');
    }
    return socket;
  }

  #onUnsolicited(event: SubscriptionEvent): void {
    const kind = KINDS.find((k) => event.event === `${k.slice(0, -'subscribe'.length)}unsubscribe`);
    if (kind === undefined || !this.#subs[kind].delete(event.name)) return;
    this.emit('refused', { kind, names: [event.name], error: undefined });
  }

  #onClose(socket: SubscriberSocket, error: Error | undefined): void {
    if (this.#socket !== socket) return; // a socket that never got ready: #open rejects instead
    this.#socket = null;
    if (this.#closed) return;
    const count = KINDS.reduce((n, k) => n + this.#subs[k].size, 0);
    this.stats.disconnects++;
    this.emit('disconnected', new SubscriberDisconnectedError(this.address, count, { cause: error }));
    this.#scheduleReconnect(error);
  }

  /** One reconnect at a time: exponential backoff with full jitter. */
  #scheduleReconnect(error: Error | undefined): void {
    const policy = this.#options.reconnect;
    if (policy === false) {
      this.#closed = true;
      this.emit(
        'end',
        new ConnectionError(`subscriber connection to ${this.address} lost and reconnect is off`, false, {
          cause: error,
        }),
      );
      return;
    }
    if (this.#timer !== null || this.#opening !== null || this.#socket !== null) return;
    this.#attempt++;
    if (this.#attempt > policy.maxAttempts) {
      this.#closed = true;
      this.emit(
        'end',
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
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#closed) return;
      this.#connection().catch((err: Error) => {
        if (this.#closed) return;
        if (this.listenerCount('error') > 0) this.emit('error', err);
        this.#scheduleReconnect(err);
      });
    }, delay);
  }
}

/**
 * Names grouped into commands: one for channels and patterns, one per hash slot for shard
 * channels (a cluster refuses an `SSUBSCRIBE` across slots with `CROSSSLOT`).
 */
export function bySlot(kind: SubscriptionKind, names: readonly string[]): string[][] {
  if (names.length === 0) return [];
  if (kind !== 'ssubscribe') return [[...names]];
  const groups = new Map<number, string[]>();
  for (const n of names) {
    const slot = keySlot(n);
    const g = groups.get(slot);
    if (g === undefined) groups.set(slot, [n]);
    else g.push(n);
  }
  return [...groups.values()];
}

/**
 * Connects a subscriber: a URL (`redis://user:pass@host:port`, `rediss://`) and/or
 * {@link ClientOptions} (address, credentials, `protocol`, `tls`, `reconnect`, `returnBuffers` for
 * Buffer payloads, ...). Resolves once connected.
 *
 * ```ts
 * const sub = await createSubscriber('redis://127.0.0.1:6379');
 * sub.on('message', (m) => console.log(m.channel, m.payload));
 * sub.on('disconnected', (err) => console.warn(err.code)); // messages lost until resubscribed
 * await sub.subscribe('orders');
 * ```
 */
export async function createSubscriber(
  urlOrOptions?: string | ClientOptions,
  options?: ClientOptions,
): Promise<RedisSubscriber> {
  const sub = new RedisSubscriber(parseClientOptions(urlOrOptions, options));
  await sub.connect();
  return sub;
}
