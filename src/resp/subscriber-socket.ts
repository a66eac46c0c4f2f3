/**
 * One socket in subscriber mode. A subscribed connection cannot use {@link Connection}: its
 * replies are not one per command (SUBSCRIBE with three channels is answered by three
 * confirmations, pushed in RESP3) and published messages arrive with no command asking for them.
 * Here a FIFO of expectations matches confirmations and replies to the commands that caused
 * them, and everything else goes to the owner as a message or an unsolicited (un)subscription.
 */
import type net from 'node:net';
import Denque from 'denque';
import { AuthenticationError } from './client.js';
import { Decoder } from './decoder.js';
import { CommandEncoder } from './encoder.js';
import { ConnectionError, ProtocolError, ReplyError, TimeoutError } from './errors.js';
import { openSocket } from './open-socket.js';
import type { NormalizedClientOptions } from './options.js';
import type { Arg, Reply } from './reply.js';
import {
  type PubSubMessage,
  type SubscriptionEvent,
  type SubscriptionKind,
  sortFrame,
} from './subscriber-frames.js';
import { formatAddress } from './url.js';

/** What the socket tells its owner. */
export interface SubscriberSocketListener {
  onMessage(message: PubSubMessage): void;
  /** An (un)subscription no command of ours asked for: the server ended a subscription itself. */
  onUnsolicited(event: SubscriptionEvent): void;
  /** The socket is gone (by `destroy()` or not); every expectation has been failed. */
  onClose(error: Error | undefined): void;
}

/** A reply or confirmations some command is waiting for. */
interface Expectation {
  /** `reply`: one reply; otherwise that many confirmations of this event (`subscribe`, ...). */
  kind: string;
  remaining: number;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

const SAFE_AUTH_PREFIXES = new Set(['WRONGPASS', 'NOAUTH', 'NOPERM']);

export class SubscriberSocket {
  readonly address: string;
  /** The protocol the handshake settled on. */
  protocol: 2 | 3 = 3;
  readonly #socket: net.Socket;
  readonly #decoder: Decoder;
  readonly #encoder = new CommandEncoder();
  readonly #expected = new Denque<Expectation>();
  readonly #listener: SubscriberSocketListener;
  readonly #payloadAsText: boolean;
  #closed = false;
  #closeError: Error | undefined;

  private constructor(
    socket: net.Socket,
    options: NormalizedClientOptions,
    listener: SubscriberSocketListener,
  ) {
    this.address = formatAddress(options.host, options.port);
    this.#socket = socket;
    this.#listener = listener;
    this.#payloadAsText = !options.returnBuffers;
    // Buffers throughout: payloads may be binary; channel names are decoded where they are sorted.
    this.#decoder = new Decoder(
      { onReply: (r) => this.#onReply(r), onPush: (f) => this.#onPush(f) },
      {
        returnBuffers: true,
        maxBulkLength: options.maxBulkLength,
        maxDepth: options.maxDepth,
        maxAggregateLength: options.maxAggregateLength,
      },
    );
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#decoder.feed(chunk);
      } catch (err) {
        this.destroy(
          err instanceof ProtocolError ? err : new ProtocolError('failed to process a frame', { cause: err }),
        );
      }
    });
    socket.on('error', (err) => {
      this.#closeError ??= err;
    });
    socket.on('close', () => this.#onSocketClose());
  }

  /**
   * Connects (TCP or TLS) and runs the handshake (HELLO 3, or AUTH/CLIENT SETNAME on RESP2).
   * Rejects with ConnectionError, TimeoutError or AuthenticationError.
   */
  static async open(
    options: NormalizedClientOptions,
    listener: SubscriberSocketListener,
  ): Promise<SubscriberSocket> {
    const { host, port } = options;
    const address = formatAddress(host, port);
    // Subscriptions are small writes that should not wait for more.
    const raw = await openSocket(options, true);
    const sub = new SubscriberSocket(raw, options, listener);
    let timer: NodeJS.Timeout | undefined;
    if (options.connectTimeout > 0) {
      timer = setTimeout(
        () => sub.destroy(new TimeoutError(`handshake with ${address} timed out`, options.connectTimeout)),
        options.connectTimeout,
      );
    }
    try {
      await sub.#handshake(options);
    } catch (err) {
      sub.destroy();
      throw sub.#closeError instanceof TimeoutError ? sub.#closeError : err;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    return sub;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Sends `SUBSCRIBE`/`PSUBSCRIBE`/`SSUBSCRIBE` and resolves once the server confirmed every name;
   * rejects with the server's ReplyError (`MOVED` for a shard channel of another node, `NOPERM`,
   * `CROSSSLOT`, ...) or ConnectionError.
   */
  subscribe(kind: SubscriptionKind, names: readonly string[]): Promise<void> {
    if (names.length === 0) return Promise.resolve();
    return this.#send([kind.toUpperCase(), ...names], kind, names.length).then(() => undefined);
  }

  /** Sends `UNSUBSCRIBE`/`PUNSUBSCRIBE`/`SUNSUBSCRIBE` for these names; resolves once confirmed. */
  unsubscribe(kind: SubscriptionKind, names: readonly string[]): Promise<void> {
    if (names.length === 0) return Promise.resolve();
    const verb = `${kind.slice(0, -'subscribe'.length)}unsubscribe`;
    return this.#send([verb.toUpperCase(), ...names], verb, names.length).then(() => undefined);
  }

  /** Stops reading the socket: Redis keeps what is published in its output buffer for us. */
  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  /** Closes at once; waiting commands fail with ConnectionError. */
  destroy(error?: Error): void {
    this.#closeError ??= error;
    this.#socket.destroy();
  }

  async #handshake(o: NormalizedClientOptions): Promise<void> {
    let resp2 = o.protocol === 2;
    if (!resp2) {
      const hello: Arg[] = ['HELLO', 3];
      if (o.password !== undefined) hello.push('AUTH', o.username ?? 'default', o.password);
      if (o.name !== undefined) hello.push('SETNAME', o.name);
      try {
        await this.#send(hello, 'reply', 1);
        this.protocol = 3;
      } catch (err) {
        if (err instanceof ReplyError && (err.prefix === 'NOPROTO' || /unknown command/i.test(err.message))) {
          resp2 = true;
        } else {
          throw this.#handshakeError(err, 'HELLO', o.username);
        }
      }
    }
    if (resp2) {
      this.protocol = 2;
      if (o.password !== undefined) {
        const auth = o.username !== undefined ? ['AUTH', o.username, o.password] : ['AUTH', o.password];
        await this.#send(auth, 'reply', 1).catch((err) => {
          throw this.#handshakeError(err, 'AUTH', o.username);
        });
      }
      if (o.name !== undefined) await this.#send(['CLIENT', 'SETNAME', o.name], 'reply', 1);
    }
    // Pub/sub ignores the database for delivery (channels are global), but SELECT keeps a
    // profile's `db` from being a surprise in CLIENT LIST.
    if (o.db !== 0) await this.#send(['SELECT', o.db], 'reply', 1);
  }

  /** A handshake failure without anything the server may have echoed from our arguments. */
  #handshakeError(err: unknown, command: string, username: string | undefined): Error {
    if (!(err instanceof ReplyError)) return err as Error;
    const detail = SAFE_AUTH_PREFIXES.has(err.prefix) ? err.message : `${err.prefix} error`;
    return new AuthenticationError(
      `${command} as user '${username ?? 'default'}' refused by ${this.address}: ${detail}`,
      err.prefix,
    );
  }

  #send(command: readonly Arg[], kind: Expectation['kind'], remaining: number): Promise<Reply> {
    if (this.#closed) {
      return Promise.reject(
        new ConnectionError(`subscriber connection to ${this.address} is closed`, false, {
          cause: this.#closeError,
        }),
      );
    }
    return new Promise<Reply>((resolve, reject) => {
      this.#encoder.encode(command);
      this.#expected.push({ kind, remaining, resolve, reject });
      const chunks = this.#encoder.take();
      if (chunks.length === 1) {
        this.#socket.write(chunks[0]);
      } else {
        this.#socket.cork();
        for (const c of chunks) this.#socket.write(c);
        this.#socket.uncork();
      }
    });
  }

  #onReply(reply: Reply): void {
    if (this.protocol === 2 && Array.isArray(reply)) {
      // RESP2 has no push type: messages and confirmations are arrays among the replies.
      const sorted = sortFrame(reply, this.#payloadAsText);
      if (sorted.type !== 'other') {
        this.#onSorted(sorted);
        return;
      }
    }
    const head = this.#expected.peekFront();
    if (head === undefined) return;
    if (reply instanceof ReplyError) {
      this.#expected.shift();
      reply.command = head.kind === 'reply' ? undefined : head.kind.toUpperCase();
      head.reject(reply);
    } else if (head.kind === 'reply') {
      this.#expected.shift();
      head.resolve(reply);
    }
  }

  #onPush(frame: Reply[]): void {
    const sorted = sortFrame(frame, this.#payloadAsText);
    if (sorted.type !== 'other') this.#onSorted(sorted);
  }

  #onSorted(sorted: Exclude<ReturnType<typeof sortFrame>, { type: 'other' }>): void {
    if (sorted.type === 'message') {
      this.#listener.onMessage(sorted.message);
      return;
    }
    const event = sorted.subscription;
    const head = this.#expected.peekFront();
    if (head !== undefined && head.kind === event.event) {
      if (--head.remaining === 0) {
        this.#expected.shift();
        head.resolve(null);
      }
      return;
    }
    this.#listener.onUnsolicited(event);
  }

  #onSocketClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    const cause = this.#closeError;
    let e: Expectation | undefined;
    while ((e = this.#expected.shift()) !== undefined) {
      e.reject(
        new ConnectionError(
          `subscriber connection to ${this.address} closed${cause ? `: ${cause.message}` : ''}`,
          true,
          { cause },
        ),
      );
    }
    this.#listener.onClose(cause);
  }
}
