import { type Logger, SILENT_LOGGER } from '../log.js';
import { Mailbox, MailboxClosedError } from './mailbox.js';

/** Default mailbox capacity of an actor: small, so a slow actor holds its senders back early. */
export const DEFAULT_MAILBOX_SIZE = 1024;

/**
 * Life cycle of an actor:
 * ```
 *   idle ──start()──▶ running ──stop()──▶ stopping ──▶ stopped
 *                        │                   │
 *                        └── handle throws ──┴──────▶ failed (error kept, parent told)
 * ```
 */
export type ActorStatus = 'idle' | 'running' | 'stopping' | 'stopped' | 'failed';

/** What `stop()` does with messages already accepted: process them first, or discard them. */
export type StopMode = 'drain' | 'drop';

/** Anything a parent can start, stop and watch: actors, and supervisors themselves. */
export interface ActorRef {
  readonly name: string;
  readonly status: ActorStatus;
  /** The failure, when `status` is `'failed'`; otherwise undefined. */
  readonly error: unknown;
  /** Resolves when the actor has ended (stopped or failed). Never rejects. */
  readonly done: Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The parent side of supervision. A child's failure reaches its parent as a call carrying the
 * state (`child.status === 'failed'`, `child.error`), made after the child has ended; it is never
 * thrown into the parent's own work. Implementations must not throw (a throw is logged, not
 * propagated).
 */
export interface ActorParent {
  onChildFailed(child: ActorRef, error: unknown): void;
  /** A child ended without failing (its own `stop()`, or a stop from elsewhere). */
  onChildStopped?(child: ActorRef): void;
}

export interface ActorOptions {
  /** Shown in logs, errors and supervision reports. */
  name: string;
  /** Mailbox capacity (default {@link DEFAULT_MAILBOX_SIZE}). */
  mailboxSize?: number;
  /** Told when this actor fails or stops. Without one, failures are logged. */
  parent?: ActorParent;
  /** Where failures without a parent, and throwing parents, are reported (default: nowhere). */
  logger?: Pick<Logger, 'error'>;
}

/**
 * An actor: one mailbox, drained strictly in order by one loop; the next message is handled only
 * after `handle` (sync or async) of the previous one has finished.
 *
 * A throw or rejection in `handle` (or `onStart`/`onStop`, or a call to {@link fail}) ends the
 * actor: the mailbox is closed, messages still in it are dropped (counted in {@link dropped}),
 * waiting senders are rejected with `MailboxClosedError`, `onStop('failed')` runs for cleanup,
 * then the status becomes `'failed'` and the parent's `onChildFailed` is called. Nothing is thrown
 * to whoever sent the message that failed.
 *
 * Subclasses set up in `onStart` rather than in the constructor body when setup is async; the
 * loop starts only on {@link start}, after every subclass field is initialised.
 */
export abstract class Actor<M> implements ActorRef {
  readonly name: string;
  protected readonly mailbox: Mailbox<M>;
  protected readonly parent: ActorParent | undefined;
  readonly done: Promise<void>;
  readonly #logger: Pick<Logger, 'error'> | undefined;
  #resolveDone!: () => void;
  #status: ActorStatus = 'idle';
  #error: unknown;
  #failure: { error: unknown } | undefined;
  #dropped = 0;

  constructor(options: ActorOptions) {
    this.name = options.name;
    this.parent = options.parent;
    this.#logger = options.logger;
    this.mailbox = new Mailbox<M>(options.mailboxSize ?? DEFAULT_MAILBOX_SIZE, options.name);
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
  }

  /** Handles one message. May be async; the next message waits for it to settle. */
  protected abstract handle(msg: M): void | Promise<void>;

  /** Runs once before the first message. A throw fails the actor. */
  protected onStart(): void | Promise<void> {}

  /**
   * Runs once when the loop has ended, for cleanup. `reason` says how it ended. A throw on a clean
   * stop fails the actor; a throw during failure cleanup is ignored (the first error is kept).
   */
  protected onStop(_reason: 'stopped' | 'failed'): void | Promise<void> {}

  get status(): ActorStatus {
    return this.#status;
  }

  get error(): unknown {
    return this.#error;
  }

  /** Messages discarded by `stop('drop')` or by a failure. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Offers a message without waiting; false when the mailbox is full. Throws when closed. */
  post(msg: M): boolean {
    return this.mailbox.post(msg);
  }

  /** Delivers a message, waiting while the mailbox is full (backpressure). Rejects when closed. */
  send(msg: M): Promise<void> {
    return this.mailbox.send(msg);
  }

  /** Starts the loop. Messages accepted before start are handled first. No-op unless idle. */
  start(): void {
    if (this.#status !== 'idle') return;
    this.#status = 'running';
    void this.#run();
  }

  /**
   * Stops accepting messages and ends the loop; resolves when it has ended (after `onStop`).
   *
   * `'drain'` (default): messages already accepted are handled first; waiting senders are
   * rejected. `'drop'`: the message being handled finishes, the rest are discarded. An actor that
   * never started just becomes `'stopped'` (its queued messages are dropped). Never rejects: a
   * failure while draining shows as `status === 'failed'`.
   */
  stop(mode: StopMode = 'drain'): Promise<void> {
    if (this.#status === 'idle') {
      this.mailbox.close();
      this.#dropped += this.mailbox.clear().length;
      this.#status = 'stopped';
      this.#resolveDone();
      return this.done;
    }
    if (this.#status === 'running') this.#status = 'stopping';
    if (this.#status === 'stopping') {
      this.mailbox.close();
      if (mode === 'drop') this.#dropped += this.mailbox.clear().length;
    }
    return this.done;
  }

  /**
   * Fails this actor from outside `handle` (e.g. a socket callback): the message being handled
   * finishes, then the actor ends as if `handle` had thrown `error`.
   */
  protected fail(error: unknown): void {
    if (this.#failure !== undefined || this.#status === 'stopped' || this.#status === 'failed') return;
    this.#failure = { error };
    this.mailbox.close();
    this.#dropped += this.mailbox.clear().length;
  }

  async #run(): Promise<void> {
    try {
      await this.onStart();
      while (this.#failure === undefined) {
        let msg: M;
        if (this.mailbox.size > 0) {
          msg = this.mailbox.takeNow();
        } else if (this.mailbox.closed) {
          break;
        } else {
          try {
            msg = await this.mailbox.take();
          } catch (err) {
            if (err instanceof MailboxClosedError) continue; // closed while waiting: re-check
            throw err;
          }
        }
        const pending = this.handle(msg);
        if (pending !== undefined) await pending;
      }
    } catch (err) {
      this.#failure ??= { error: err };
    }

    if (this.#failure === undefined) {
      try {
        await this.onStop('stopped');
      } catch (err) {
        this.#failure = { error: err };
      }
    } else {
      this.mailbox.close();
      this.#dropped += this.mailbox.clear().length;
      try {
        await this.onStop('failed');
      } catch {
        // The first error is the one that matters; cleanup failures after it are noise.
      }
    }

    if (this.#failure === undefined) {
      this.#status = 'stopped';
      this.#report(() => this.parent?.onChildStopped?.(this));
    } else {
      this.#status = 'failed';
      this.#error = this.#failure.error;
      if (this.parent === undefined) {
        this.#log().error({ actor: this.name, err: this.#error }, 'actor failed');
      } else {
        this.#report(() => this.parent!.onChildFailed(this, this.#error));
      }
    }
    this.#resolveDone();
  }

  #report(notify: () => void): void {
    try {
      notify();
    } catch (err) {
      this.#log().error({ actor: this.name, err }, 'parent threw while handling a child report');
    }
  }

  #log(): Pick<Logger, 'error'> {
    return this.#logger ?? SILENT_LOGGER;
  }
}
