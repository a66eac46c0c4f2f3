import { Actor, type ActorParent, type ActorRef } from '../actors/actor.js';
import { type Clock, systemClock } from '../actors/clock.js';
import { Supervisor } from '../actors/supervisor.js';
import { CheckpointCoordinator, GenerationSupersededError } from '../dataflow/checkpoint-coordinator.js';
import { GeneratorSource } from '../dataflow/sources/generator.js';
import { IngestSource } from '../dataflow/sources/ingest.js';
import { JsonLinesSource } from '../dataflow/sources/jsonl.js';
import { PubsubSource } from '../dataflow/sources/pubsub.js';
import { RedisStreamSource } from '../dataflow/sources/redis-stream.js';
import type { Source } from '../dataflow/sources/source.js';
import { type HostedTable, WorkerHost } from '../dataflow/worker-host.js';
import { LaminarError } from '../errors.js';
import { type LaminarLogger, type Logger, SILENT_LOGGER } from '../log.js';
import { LookupRegistry } from '../lookup/lookup-registry.js';
import { lookupTableOf } from '../lookup/lookup-spec.js';
import {
  DEFAULT_CHECKPOINT_INTERVAL_MS,
  DEFAULT_READ_BATCH,
  DEFAULT_WAIT_TIMEOUT_MS,
  type JobSpec,
  parseJobSpec,
  type SourceSpec,
} from '../plan/job-spec.js';
import { tableOf } from '../sink/create-sink.js';
import { planQueries } from '../sql/job-queries.js';
import type { Checkpoint } from '../storage/checkpoint-store.js';
import { DirJobState } from '../storage/dir-job-state.js';
import type { JobState } from '../storage/state-store.js';

export interface JobOptions {
  /** Where attempts, restarts and skipped rows are logged. Default: nowhere. */
  logger?: LaminarLogger;
  /**
   * Time for checkpoint intervals, restart backoff, paced generators and the TTL of lookup caches.
   * Default: the system clock.
   */
  clock?: Clock;
  /**
   * The first attempt's generation is at least this (a coordinator hands out generations, so two
   * workers never start the same pipeline with the same one).
   */
  generationAtLeast?: number;
  /** Told after each recorded checkpoint. */
  onCheckpoint?: (cp: Checkpoint, info: { generation: number; finished: boolean }) => void;
  /** Told when an attempt starts: its generation and the checkpoint it restored (null: none). */
  onAttempt?: (info: { attempt: number; generation: number; restored: Checkpoint | null }) => void;
  /** Where lookup tables resolve `{{ VAR }}` secrets when an attempt connects them. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Where the job's checkpoints, identity and generation live: a state store's job scope (a
   * pipeline's checkpoints in Redis). Default: the directory `spec.checkpoint.dir`.
   */
  state?: JobState;
}

/** How a finished job went. */
export interface JobResult {
  /** Attempts started (1 + in-process restarts). */
  attempts: number;
  /** Generation of the attempt that finished. */
  generation: number;
  /** Checkpoints recorded by this process. */
  checkpoints: number;
  /** The final checkpoint. */
  last: Checkpoint;
}

/** A running job. */
export interface JobHandle {
  /** Resolves when every source is read to its end and the final checkpoint is recorded. */
  readonly done: Promise<JobResult>;
  /** Takes a checkpoint now; resolves when it is recorded. */
  checkpoint(): Promise<Checkpoint>;
  /** The ingest source of that name, to push rows into. */
  ingest(name: string): IngestSource;
  /** Stops the job without finishing it (it resumes from its last checkpoint when run again). */
  stop(): Promise<void>;
}

/** The job ended without finishing (stopped, or its attempts gave up). */
export class JobStoppedError extends LaminarError {
  constructor(message: string) {
    super('ERR_JOB_STOPPED', message);
  }
}

type Outcome =
  | { kind: 'finished'; last: Checkpoint }
  | { kind: 'fenced'; error: unknown }
  | { kind: 'stopped' };

type AttemptMsg = { type: 'failed'; error: unknown; actor: string } | { type: 'finished'; cp: Checkpoint };

interface Shared {
  spec: ReturnType<typeof parseJobSpec>;
  tables: HostedTable[];
  sources: Source[];
  /** Lookup tables the queries join: connected per attempt. */
  lookups: LookupRegistry;
  store: JobState;
  clock: Clock;
  logger: Logger;
  options: JobOptions;
  attempts: number;
  checkpoints: number;
  current: JobAttempt | undefined;
  onEnded: (o: Outcome, generation: number) => void;
}

/**
 * One attempt at running the job, as an actor: on start it restores the last complete checkpoint,
 * reads the job's identity (made with its checkpoint directory: the owner of its fences), raises
 * the generation (durably, before any write), hosts the actors and starts checkpointing.
 * A failure of any hosted actor arrives as a message and fails the attempt; its supervisor then
 * starts a new attempt from the last checkpoint (with a newer generation). Being fenced (a newer
 * incarnation owns the job) ends the attempt without a restart.
 */
class JobAttempt extends Actor<AttemptMsg> {
  #host: WorkerHost | undefined;
  #coordinator: CheckpointCoordinator | undefined;
  #outcome: Outcome = { kind: 'stopped' };
  generation = 0;

  constructor(
    private readonly job: Shared,
    parent: ActorParent,
  ) {
    super({
      name: `job ${job.spec.name} attempt ${job.attempts + 1}`,
      parent,
      logger: job.logger,
      mailboxSize: 64,
    });
    job.attempts++;
  }

  checkpoint(): Promise<Checkpoint> {
    if (this.#coordinator === undefined) return Promise.reject(new JobStoppedError('the job is not running'));
    return this.#coordinator.trigger();
  }

  protected override async onStart(): Promise<void> {
    const { spec, store, logger } = this.job;
    const restored = await store.latest();
    // Made the first time the job starts in its directory (which latest() created).
    const owner = await store.identity();
    this.generation = await store.raiseGeneration(
      Math.max((restored?.generation ?? 0) + 1, this.job.options.generationAtLeast ?? 0),
    );
    const generation = this.generation;
    logger.info(
      { job: spec.name, identity: owner, generation, checkpoint: restored?.id ?? null },
      restored === null ? 'job starting from the beginning' : 'job restoring a checkpoint',
    );
    this.job.options.onAttempt?.({ attempt: this.job.attempts, generation, restored });
    // Before any row flows: a stage joining a lookup table reads through these connections.
    await this.job.lookups.open();
    const tell = (msg: AttemptMsg) => {
      try {
        this.post(msg);
      } catch {
        // The attempt is ending already.
      }
    };
    const host = new WorkerHost({
      tables: this.job.tables,
      sources: this.job.sources,
      restored: restored?.sources ?? {},
      restoredShards: shardStates(restored),
      generation,
      fenceOwner: owner,
      batchSize: spec.batchSize ?? DEFAULT_READ_BATCH,
      waitTimeoutMs: spec.checkpoint.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
      onPosition: (p) => this.#coordinator?.onPosition(p),
      onAck: (a) => this.#coordinator?.onAck(a),
      onChannelFinished: (c) => this.#coordinator?.onChannelFinished(c),
      onFailure: (error, actor) => tell({ type: 'failed', error, actor }),
      logger,
    });
    this.#host = host;
    await host.start();
    this.#coordinator = new CheckpointCoordinator({
      store,
      jobId: spec.name,
      generation,
      channels: host.channels,
      shards: host.shards.map((s) => s.name),
      inject: (id) => host.injectBarrier(id),
      checkOwner: async () => {
        const current = await store.readGeneration();
        if (current !== generation) throw new GenerationSupersededError(generation, current);
      },
      intervalMs: spec.checkpoint.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS,
      clock: this.job.clock,
      logger,
      onCompleted: (cp, finished) => {
        this.job.checkpoints++;
        host.committed(cp.sources);
        this.job.options.onCheckpoint?.(cp, { generation, finished });
        if (finished) tell({ type: 'finished', cp });
      },
      onFailed: (error) => tell({ type: 'failed', error, actor: 'checkpoint coordinator' }),
    });
    this.#coordinator.start(await store.nextId());
  }

  protected override async handle(msg: AttemptMsg): Promise<void> {
    if (msg.type === 'finished') {
      this.#outcome = { kind: 'finished', last: msg.cp };
      void this.stop();
      return;
    }
    let error = msg.error;
    if ((error as { code?: string }).code !== 'ERR_FENCED') {
      // An attempt that a newer incarnation superseded meanwhile fails of it in many ways (its
      // checkpoint id taken, ...): a restart would raise the generation past its successor's and
      // take the job back from it, a zombie come back to life. It stops as fenced instead.
      const current = await this.job.store.readGeneration().catch(() => this.generation);
      if (current !== this.generation) {
        error = new GenerationSupersededError(this.generation, current, { cause: error });
      }
    }
    if ((error as { code?: string }).code === 'ERR_FENCED') {
      this.job.logger.error(
        { job: this.job.spec.name, actor: msg.actor, err: error },
        'job fenced; stopping',
      );
      this.#outcome = { kind: 'fenced', error };
      void this.stop();
      return;
    }
    this.job.logger.error(
      { job: this.job.spec.name, actor: msg.actor, err: msg.error },
      'job attempt failed',
    );
    throw msg.error;
  }

  protected override async onStop(reason: 'stopped' | 'failed'): Promise<void> {
    this.#coordinator?.stop();
    await this.#host?.stop();
    await this.job.lookups.close();
    if (reason === 'stopped') this.job.onEnded(this.#outcome, this.generation);
  }
}

/** The shard states of a checkpoint (`operators.shards`), by shard name. */
function shardStates(cp: Checkpoint | null): Record<string, unknown> {
  const shards = (cp?.operators as { shards?: unknown } | undefined)?.shards;
  return typeof shards === 'object' && shards !== null ? (shards as Record<string, unknown>) : {};
}

function buildSource(s: SourceSpec, clock: Clock, logger: Logger): Source {
  switch (s.type) {
    case 'generator':
      return new GeneratorSource(s, clock);
    case 'jsonl':
      return new JsonLinesSource(s.name, s.files, s.changelog);
    case 'ingest':
      return new IngestSource(s.name, { bufferRows: s.bufferRows });
    case 'redis-stream':
      return new RedisStreamSource(s);
    case 'redis-pubsub':
      return new PubsubSource(s, { logger });
  }
}

/**
 * Starts a job in this process. Each attempt restores the last complete checkpoint of
 * `spec.checkpoint.dir` (or of `options.state`), raises the generation and resumes the sources
 * from the checkpoint's positions; a failed attempt is restarted by a supervisor with backoff
 * (`spec.restart`).
 */
export function startJob(input: JobSpec | unknown, options: JobOptions = {}): JobHandle {
  const spec = parseJobSpec(input);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? SILENT_LOGGER;
  const sources = spec.sources.map((s) => buildSource(s, clock, logger));
  let settle!: { resolve: (r: JobResult) => void; reject: (e: unknown) => void };
  const done = new Promise<JobResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  done.catch(() => {}); // observed through the handle
  let ended = false;
  const end = (fn: () => void) => {
    if (ended) return;
    ended = true;
    fn();
    void supervisor.stop();
  };
  const job: Shared = {
    spec,
    tables: [],
    sources,
    lookups: new LookupRegistry(),
    store: options.state ?? new DirJobState(spec.checkpoint.dir, { keep: spec.checkpoint.keep, logger }),
    clock,
    logger,
    options,
    attempts: 0,
    checkpoints: 0,
    current: undefined,
    onEnded: (o, generation) => {
      if (o.kind === 'finished') {
        end(() =>
          settle.resolve({ attempts: job.attempts, generation, checkpoints: job.checkpoints, last: o.last }),
        );
      } else if (o.kind === 'fenced') {
        end(() => settle.reject(o.error));
      } else {
        end(() => settle.reject(new JobStoppedError(`job ${spec.name} stopped before finishing`)));
      }
    },
  };
  const parent: ActorParent = {
    onChildFailed: (_child: ActorRef, error: unknown) => end(() => settle.reject(error)),
  };
  const supervisor = new Supervisor({
    name: `job ${spec.name}`,
    clock,
    logger,
    parent,
    restart: spec.restart,
  });
  void (async () => {
    try {
      for (const t of spec.tables) {
        const { sources: feeds, shards, ...front } = t;
        job.tables.push({ table: await tableOf(front as never), shards: shards ?? 1, sources: feeds ?? [] });
      }
      const lookupTables = [];
      for (const l of spec.lookups ?? []) lookupTables.push(await lookupTableOf(l));
      // The job's clock also times lookup caches (entries' TTL), so tests can move it by hand.
      job.lookups = new LookupRegistry(lookupTables, { env: options.env, clock, logger });
      const queries = await planQueries(spec.sources, job.tables, spec.queries ?? [], job.lookups);
      for (const t of job.tables) {
        const q = queries.get(t.table.name);
        if (q !== undefined) Object.assign(t, { stages: q.stages, aggregate: q.aggregate });
      }
    } catch (err) {
      end(() => settle.reject(err));
      return;
    }
    if (ended) return; // stopped while the tables were being prepared
    supervisor.startChild('attempt', (p) => (job.current = new JobAttempt(job, p)));
    supervisor.start();
  })();
  return {
    done,
    checkpoint: () =>
      job.current?.checkpoint() ?? Promise.reject(new JobStoppedError('the job is not running')),
    ingest(name) {
      const s = sources.find((x) => x.name === name);
      if (!(s instanceof IngestSource)) throw new RangeError(`job ${spec.name} has no ingest source ${name}`);
      return s;
    },
    async stop() {
      if (!ended) await job.current?.stop();
      end(() => settle.reject(new JobStoppedError(`job ${spec.name} stopped before finishing`)));
      await supervisor.done;
    },
  };
}

/** Runs a job to its end (every source read, final checkpoint recorded). */
export function runJob(spec: JobSpec | unknown, options?: JobOptions): Promise<JobResult> {
  return startJob(spec, options).done;
}
