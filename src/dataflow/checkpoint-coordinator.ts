import type { Clock, TimerHandle } from '../actors/clock.js';
import { faultPoint } from '../dev/fault-points.js';
import { LaminarError } from '../errors.js';
import type { Logger } from '../log.js';
import { checkpointDurationSeconds, checkpointsTotal } from '../metrics/instruments.js';
import type { Checkpoint } from '../storage/checkpoint-store.js';
import type { CheckpointLog } from '../storage/state-store.js';
import type { ShardAck } from './shard-actor.js';
import type { BarrierPosition } from './source-actor.js';

/** A newer incarnation of the job owns the checkpoint directory: this one must stop writing. */
export class GenerationSupersededError extends LaminarError {
  constructor(
    readonly generation: number,
    readonly current: number,
    options?: { cause?: unknown },
  ) {
    super('ERR_FENCED', `job generation ${generation} was superseded by generation ${current}`, options);
  }
}

export interface CheckpointCoordinatorOptions {
  /** Where checkpoints are recorded; each write carries `generation` as its fence. */
  store: CheckpointLog;
  jobId: string;
  generation: number;
  /** Every channel of the job: each must report its position at a barrier. */
  channels: readonly string[];
  /** Every shard actor: each must ack a barrier. */
  shards: readonly string[];
  /** Injects barrier `id` into every channel. */
  inject: (id: number) => void;
  /** Rejects when this job incarnation was superseded; checked before each record. */
  checkOwner: () => Promise<void>;
  /** Time between the start of one checkpoint and the next. */
  intervalMs: number;
  clock: Clock;
  logger: Logger;
  /** A checkpoint was recorded; `finished`: every channel was at its end at the barrier. */
  onCompleted: (cp: Checkpoint, finished: boolean) => void;
  /** Recording failed (I/O, superseded): the job attempt cannot go on. */
  onFailed: (err: unknown) => void;
}

interface InFlight {
  id: number;
  /** `clock.now()` when its barrier was injected. */
  startedAt: number;
  positions: Map<string, BarrierPosition>;
  acks: Map<string, ShardAck>;
}

/**
 * Drives barrier checkpoints: every `intervalMs` (and on demand) it injects barrier N into every
 * channel, collects each channel's position at N and each shard's ack of N, and when all are in,
 * records checkpoint N — source positions, operator state, generation — in the store (one
 * atomic file). One checkpoint is in flight at a time. A declined barrier (a shard's WAIT fell
 * short) is abandoned and the next one tried.
 *
 * When every channel has reported its end, a checkpoint is taken at once; the one that finds all
 * channels finished is the job's last.
 */
export class CheckpointCoordinator {
  readonly #o: CheckpointCoordinatorOptions;
  #nextId = 0;
  #inFlight: InFlight | null = null;
  #timer: TimerHandle | undefined;
  #stopped = true;
  readonly #finishedChannels = new Set<string>();
  /** On-demand callers, each waiting for a checkpoint whose barrier was injected after its call. */
  #waiters: Array<{ minId: number; resolve: (cp: Checkpoint) => void; reject: (err: unknown) => void }> = [];
  /** Checkpoints recorded by this coordinator. */
  completed = 0;
  declined = 0;

  constructor(options: CheckpointCoordinatorOptions) {
    this.#o = options;
  }

  /** Starts the interval; the first barrier gets id `firstId`. */
  start(firstId: number): void {
    this.#nextId = firstId;
    this.#stopped = false;
    this.#schedule(this.#o.intervalMs);
  }

  /** Stops triggering; a checkpoint in flight is abandoned (its waiters rejected). */
  stop(reason: unknown = new LaminarError('ERR_JOB_STOPPED', 'the job attempt stopped')): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inFlight = null;
    for (const w of this.#waiters.splice(0)) w.reject(reason);
  }

  /**
   * Takes a checkpoint now, or right after the one in flight (whose barrier may be ahead of rows
   * read since); resolves with the first checkpoint recorded whose barrier was injected after
   * this call.
   */
  trigger(): Promise<Checkpoint> {
    if (this.#stopped)
      return Promise.reject(new LaminarError('ERR_JOB_STOPPED', 'the job attempt is not running'));
    const minId = this.#nextId;
    const p = new Promise<Checkpoint>((resolve, reject) => this.#waiters.push({ minId, resolve, reject }));
    if (this.#inFlight === null) this.#begin();
    return p;
  }

  onPosition(p: BarrierPosition): void {
    const f = this.#inFlight;
    if (f === null || f.id !== p.barrier) return;
    f.positions.set(p.channel, p);
    this.#maybeComplete(f);
  }

  onAck(ack: ShardAck): void {
    const f = this.#inFlight;
    if (f === null || f.id !== ack.barrier) return;
    f.acks.set(ack.shard, ack);
    this.#maybeComplete(f);
  }

  /** A channel read to its end: once all have, checkpoint right away. */
  onChannelFinished(channel: string): void {
    this.#finishedChannels.add(channel);
    if (
      this.#finishedChannels.size === this.#o.channels.length &&
      this.#inFlight === null &&
      !this.#stopped
    ) {
      this.#begin();
    }
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#inFlight === null) this.#begin();
    }, ms);
  }

  #begin(): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const id = this.#nextId++;
    this.#inFlight = { id, startedAt: this.#o.clock.now(), positions: new Map(), acks: new Map() };
    this.#o.inject(id);
  }

  #maybeComplete(f: InFlight): void {
    if (f.positions.size < this.#o.channels.length || f.acks.size < this.#o.shards.length) return;
    void this.#complete(f);
  }

  async #complete(f: InFlight): Promise<void> {
    const declined = [...f.acks.values()].filter((a) => a.declined !== undefined);
    if (declined.length > 0) {
      this.declined++;
      checkpointsTotal.inc({ job: this.#o.jobId, outcome: 'declined' });
      this.#o.logger.warn(
        { checkpoint: f.id, reasons: declined.map((a) => `${a.shard}: ${a.declined}`) },
        'checkpoint declined',
      );
      this.#inFlight = null;
      this.#schedule(this.#o.intervalMs);
      return;
    }
    faultPoint('after-ack');
    const finished = [...f.positions.values()].every((p) => p.finished);
    const sources: Record<string, number | string> = {};
    for (const [channel, p] of [...f.positions].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
      sources[channel] = p.position;
    const shards: Record<string, unknown> = {};
    for (const [name, a] of [...f.acks].sort((a, b) => (a[0] < b[0] ? -1 : 1))) shards[name] = a.state;
    const cp: Checkpoint = {
      id: f.id,
      jobId: this.#o.jobId,
      createdAt: new Date().toISOString(),
      generation: this.#o.generation,
      sources,
      operators: { shards, job: { finished } },
    };
    try {
      await this.#o.checkOwner();
      await this.#o.store.write(cp, { generation: this.#o.generation });
    } catch (err) {
      if (this.#stopped) return;
      this.#inFlight = null;
      checkpointsTotal.inc({ job: this.#o.jobId, outcome: 'failed' });
      this.#o.onFailed(err);
      return;
    }
    faultPoint('after-record');
    if (this.#stopped) return;
    this.completed++;
    checkpointsTotal.inc({ job: this.#o.jobId, outcome: 'completed' });
    checkpointDurationSeconds.observe({ job: this.#o.jobId }, (this.#o.clock.now() - f.startedAt) / 1000);
    this.#inFlight = null;
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const w of waiting) {
      if (w.minId <= cp.id) w.resolve(cp);
      else this.#waiters.push(w);
    }
    this.#o.onCompleted(cp, finished);
    if (!finished) {
      if (this.#waiters.length > 0 || this.#finishedChannels.size === this.#o.channels.length) this.#begin();
      else this.#schedule(this.#o.intervalMs);
    }
  }
}
