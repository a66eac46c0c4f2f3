import { LaminarError } from '../errors.js';
import { type Logger, SILENT_LOGGER } from '../log.js';
import type { ActorParent, ActorRef, ActorStatus } from './actor.js';
import { type Clock, systemClock, type TimerHandle } from './clock.js';

/** How a supervisor restarts failed children. Delays are in milliseconds. */
export interface RestartPolicy {
  /** Delay before the first restart of a child. Default 100. */
  initialDelayMs: number;
  /** Upper bound of any delay, jitter included. Default 30 000. */
  maxDelayMs: number;
  /** Each further failure within the window multiplies the delay by this. Default 2. */
  factor: number;
  /** Relative spread: a delay d becomes d·(1 ± jitter), uniformly. Default 0.2 (±20 %). */
  jitter: number;
  /** Restarts allowed per child within `windowMs`; one failure more and the supervisor gives up. Default 5. */
  maxRestarts: number;
  /** Sliding window over which failures are counted. Default 60 000. */
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = Object.freeze({
  initialDelayMs: 100,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.2,
  maxRestarts: 5,
  windowMs: 60_000,
});

/** Builds one incarnation of a child; called again, with the same parent, for each restart. */
export type ChildFactory = (parent: ActorParent) => ActorRef;

/** What a supervisor saw and did, for metrics, logs and tests. */
export type SupervisorEvent =
  | { type: 'child-failed'; child: string; error: unknown; attempt: number; delayMs: number }
  | { type: 'child-restarted'; child: string; attempt: number }
  | { type: 'gave-up'; child: string; error: RestartLimitError };

export interface SupervisorOptions {
  /** Default `'supervisor'`. */
  name?: string;
  /** Timers for backoff and the failure window. Default {@link systemClock}. */
  clock?: Clock;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Told when this supervisor gives up (or stops). Without one, giving up is logged. */
  parent?: ActorParent;
  restart?: Partial<RestartPolicy>;
  /** Called for each {@link SupervisorEvent}; must not throw. */
  onEvent?: (event: SupervisorEvent) => void;
  logger?: Pick<Logger, 'error' | 'warn'>;
}

/** A child failed more than `maxRestarts` times within `windowMs`; the supervisor gave up. */
export class RestartLimitError extends LaminarError {
  constructor(
    readonly child: string,
    readonly failures: number,
    readonly windowMs: number,
    cause: unknown,
  ) {
    // The last failure's reason is part of the message: it is what an operator sees of the job.
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    super(
      'ERR_RESTART_LIMIT',
      `child ${child} failed ${failures} times within ${windowMs} ms; giving up${reason}`,
      {
        cause,
      },
    );
  }
}

interface ChildSlot {
  readonly name: string;
  readonly factory: ChildFactory;
  current: ActorRef | undefined;
  /** Times (clock.now) of failures inside the window, oldest first. */
  failures: number[];
  restarts: number;
  timer: TimerHandle | undefined;
}

/**
 * Starts children from factories and restarts a failed child after an exponential backoff with
 * jitter: the n-th failure of a child within `windowMs` waits
 * `min(maxDelayMs, initialDelayMs · factor^(n-1) · (1 ± jitter))`. A failure beyond `maxRestarts`
 * within the window stops every child and ends the supervisor as `'failed'` with a
 * {@link RestartLimitError}, reported to its own parent — so supervisors nest.
 *
 * Children that stop without failing are not restarted. Failures arrive as state from the
 * child (`ActorParent.onChildFailed`), never as exceptions.
 */
export class Supervisor implements ActorRef, ActorParent {
  readonly name: string;
  readonly done: Promise<void>;
  readonly #policy: RestartPolicy;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #parent: ActorParent | undefined;
  readonly #onEvent: ((event: SupervisorEvent) => void) | undefined;
  readonly #logger: Pick<Logger, 'error' | 'warn'> | undefined;
  readonly #slots = new Map<string, ChildSlot>();
  #resolveDone!: () => void;
  #status: ActorStatus = 'idle';
  #error: unknown;

  constructor(options: SupervisorOptions = {}) {
    this.name = options.name ?? 'supervisor';
    this.#policy = parseRestartPolicy(options.restart);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#parent = options.parent;
    this.#onEvent = options.onEvent;
    this.#logger = options.logger;
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
  }

  get status(): ActorStatus {
    return this.#status;
  }

  get error(): unknown {
    return this.#error;
  }

  /** Starts the supervisor and every child added so far. No-op unless idle. */
  start(): void {
    if (this.#status !== 'idle') return;
    this.#status = 'running';
    for (const slot of this.#slots.values()) this.#spawn(slot);
  }

  /**
   * Adds a child under a unique name; it starts now if the supervisor runs, else on `start()`.
   * Returns the first incarnation, or undefined when the factory threw (handled like a failure).
   */
  startChild(name: string, factory: ChildFactory): ActorRef | undefined {
    if (this.#slots.has(name)) throw new RangeError(`supervisor ${this.name} already has a child ${name}`);
    if (this.#status !== 'idle' && this.#status !== 'running') {
      throw new RangeError(`supervisor ${this.name} is ${this.#status}; cannot add ${name}`);
    }
    const slot: ChildSlot = {
      name,
      factory,
      current: undefined,
      failures: [],
      restarts: 0,
      timer: undefined,
    };
    this.#slots.set(name, slot);
    if (this.#status === 'running') this.#spawn(slot);
    return slot.current;
  }

  /** The current incarnation of a child (undefined while it waits to be restarted). */
  child(name: string): ActorRef | undefined {
    return this.#slots.get(name)?.current;
  }

  /** How many times a child has been restarted so far. */
  restarts(name: string): number {
    return this.#slots.get(name)?.restarts ?? 0;
  }

  /** Whether a restart of the child is scheduled and not yet done. */
  restartPending(name: string): boolean {
    return this.#slots.get(name)?.timer !== undefined;
  }

  /**
   * Cancels pending restarts and stops every child, newest first; resolves when all have ended.
   * Children fail or stop as they will meanwhile; nothing is restarted once stopping.
   */
  stop(): Promise<void> {
    if (this.#status === 'idle') {
      this.#status = 'stopped';
      this.#resolveDone();
    } else if (this.#status === 'running') {
      this.#status = 'stopping';
      void this.#stopChildren().then(() => {
        this.#status = 'stopped';
        this.#tell(() => this.#parent?.onChildStopped?.(this));
        this.#resolveDone();
      });
    }
    return this.done;
  }

  onChildFailed(child: ActorRef, error: unknown): void {
    const slot = this.#slotOf(child);
    if (slot === undefined || this.#status !== 'running') return; // stale incarnation, or stopping
    slot.current = undefined;
    this.#failed(slot, error);
  }

  onChildStopped(child: ActorRef): void {
    // A child that ends cleanly is done with its work; it is not restarted. Its slot keeps the
    // stopped incarnation so `child(name).status` tells what happened.
    void child;
  }

  #slotOf(child: ActorRef): ChildSlot | undefined {
    for (const slot of this.#slots.values()) if (slot.current === child) return slot;
    return undefined;
  }

  #spawn(slot: ChildSlot): void {
    let child: ActorRef;
    try {
      child = slot.factory(this);
      slot.current = child;
      child.start();
    } catch (err) {
      slot.current = undefined;
      this.#failed(slot, err);
    }
  }

  #failed(slot: ChildSlot, error: unknown): void {
    const now = this.#clock.now();
    const { windowMs, maxRestarts } = this.#policy;
    slot.failures.push(now);
    while (slot.failures.length > 0 && slot.failures[0] <= now - windowMs) slot.failures.shift();
    const attempt = slot.failures.length;
    if (attempt > maxRestarts) {
      const err = new RestartLimitError(slot.name, attempt, windowMs, error);
      this.#emit({ type: 'gave-up', child: slot.name, error: err });
      void this.#giveUp(err);
      return;
    }
    const delayMs = this.#delay(attempt);
    this.#emit({ type: 'child-failed', child: slot.name, error, attempt, delayMs });
    slot.timer = this.#clock.setTimeout(() => {
      slot.timer = undefined;
      if (this.#status !== 'running') return;
      slot.restarts++;
      this.#emit({ type: 'child-restarted', child: slot.name, attempt });
      this.#spawn(slot);
    }, delayMs);
  }

  #delay(attempt: number): number {
    const { initialDelayMs, maxDelayMs, factor, jitter } = this.#policy;
    const base = Math.min(maxDelayMs, initialDelayMs * factor ** (attempt - 1));
    const spread = base * jitter * (2 * this.#random() - 1);
    return Math.round(Math.min(maxDelayMs, Math.max(0, base + spread)));
  }

  async #giveUp(err: RestartLimitError): Promise<void> {
    this.#status = 'stopping';
    await this.#stopChildren();
    this.#status = 'failed';
    this.#error = err;
    if (this.#parent === undefined) {
      this.#log().error({ supervisor: this.name, err }, 'supervisor gave up');
    } else {
      this.#tell(() => this.#parent!.onChildFailed(this, err));
    }
    this.#resolveDone();
  }

  async #stopChildren(): Promise<void> {
    const slots = [...this.#slots.values()].reverse();
    for (const slot of slots) {
      if (slot.timer !== undefined) {
        this.#clock.clearTimeout(slot.timer);
        slot.timer = undefined;
      }
    }
    for (const slot of slots) await slot.current?.stop();
  }

  #emit(event: SupervisorEvent): void {
    if (this.#onEvent === undefined) return;
    this.#tell(() => this.#onEvent!(event));
  }

  #tell(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log().warn({ supervisor: this.name, err }, 'supervision callback threw');
    }
  }

  #log(): Pick<Logger, 'error' | 'warn'> {
    return this.#logger ?? SILENT_LOGGER;
  }
}

/** Fills in defaults and validates a restart policy up front. */
export function parseRestartPolicy(options: Partial<RestartPolicy> = {}): RestartPolicy {
  const p: RestartPolicy = { ...DEFAULT_RESTART_POLICY };
  for (const key of Object.keys(DEFAULT_RESTART_POLICY) as (keyof RestartPolicy)[]) {
    const v = options[key];
    if (v !== undefined) p[key] = v;
  }
  const nonNegative = (key: keyof RestartPolicy) => {
    if (!(Number.isFinite(p[key]) && p[key] >= 0)) {
      throw new RangeError(`restart.${key} must be a finite number >= 0, got ${p[key]}`);
    }
  };
  nonNegative('initialDelayMs');
  nonNegative('maxDelayMs');
  nonNegative('maxRestarts');
  nonNegative('windowMs');
  if (!(Number.isFinite(p.factor) && p.factor >= 1)) throw new RangeError(`restart.factor must be >= 1`);
  if (!(p.jitter >= 0 && p.jitter <= 1)) throw new RangeError(`restart.jitter must be within [0, 1]`);
  if (!Number.isInteger(p.maxRestarts)) throw new RangeError(`restart.maxRestarts must be an integer`);
  return p;
}
