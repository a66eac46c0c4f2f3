import type { IngestSource } from '../dataflow/sources/ingest.js';
import { type JobHandle, startJob } from '../job/job.js';
import type { Logger } from '../log.js';
import { type JobSpec, parseJobSpec } from '../plan/job-spec.js';
import { openStateStore } from '../storage/open-state-store.js';
import type { StateStore } from '../storage/state-store.js';
import type { AssignPipeline, PipelineEvent } from '../wire/gen/laminar/redis/v1/worker.js';
import { errorCode, errorMessage } from '../wire/grpc-util.js';
import type { HostedShard } from './hosted-shard.js';

export interface PipelineHostOptions {
  assignment: AssignPipeline;
  /** Every event of the pipeline, for the coordinator. */
  onEvent: (e: PipelineEvent) => void;
  logger: Logger;
}

/**
 * A pipeline run by this worker: the job of its spec (docs/runtime.md), checkpointed in the
 * coordinator's Redis state store (or, with a local store, the directory the coordinator gave,
 * which must then be shared), its first generation at least the one the coordinator handed out —
 * so a pipeline moved to another worker resumes from its last checkpoint, and fenced writes of
 * the worker that lost it are refused.
 */
export class PipelineHost {
  readonly id: string;
  readonly #o: PipelineHostOptions;
  #job: JobHandle | undefined;
  /** The Redis state store the job checkpoints to, while it runs. */
  #state: StateStore | undefined;
  #generation = 0;
  #stopping = false;
  readonly #listeners = new Set<() => void>();
  readonly #sources = new Map<string, HostedShard>();
  #end!: () => void;
  /** Resolves when the pipeline stops running here (finished, failed, stopped). */
  readonly ended = new Promise<void>((resolve) => (this.#end = resolve));

  constructor(options: PipelineHostOptions) {
    this.#o = options;
    this.id = options.assignment.pipelineId;
  }

  start(): void {
    void this.#start();
  }

  async #start(): Promise<void> {
    const a = this.#o.assignment;
    let job: JobHandle;
    try {
      const spec = parseJobSpec({
        ...(a.spec as unknown as JobSpec),
        checkpoint: { ...(a.spec as unknown as JobSpec).checkpoint, dir: a.checkpointDir },
      });
      if (a.state !== '') {
        // The worker's own environment resolves the URL's `{{ VAR }}` references.
        this.#state = await openStateStore(a.state, { logger: this.#o.logger });
        if (this.#stopping) {
          await this.#closeState();
          this.#event('stopped', {});
          return;
        }
      }
      job = startJob(spec, {
        logger: this.#o.logger,
        state: this.#state?.job(a.stateScope, { keep: spec.checkpoint.keep }),
        generationAtLeast: a.generation,
        onAttempt: (info) => {
          this.#generation = info.generation;
          this.#event('started', { checkpointId: info.restored?.id ?? -1 });
        },
        onCheckpoint: (cp) => {
          // The job has told its ingest sources what is durable; producers can be acknowledged.
          for (const l of this.#listeners) l();
          this.#event('checkpoint', { checkpointId: cp.id });
        },
      });
    } catch (err) {
      await this.#closeState();
      this.#event('failed', { code: errorCode(err), message: errorMessage(err) });
      return;
    }
    this.#job = job;
    job.done.then(
      (r) => this.#event('finished', { checkpointId: r.last.id }),
      (err) =>
        this.#stopping
          ? this.#event('stopped', {})
          : this.#event('failed', { code: errorCode(err), message: errorMessage(err) }),
    );
    // After the events, which the coordinator expects at once when the job ends.
    void job.done.catch(() => {}).then(() => this.#closeState());
  }

  async #closeState(): Promise<void> {
    const state = this.#state;
    this.#state = undefined;
    await state?.close().catch(() => {});
  }

  /**
   * The pipeline's ingest source `name` as the Ingest service sees a shard (`<pipeline id>/<name>`,
   * shard 0 of 1), or undefined when it has none or is not running.
   */
  hosted(name: string): HostedShard | undefined {
    const job = this.#job;
    if (job === undefined || this.#stopping) return undefined;
    let h = this.#sources.get(name);
    if (h !== undefined) return h;
    let ingest: IngestSource;
    try {
      ingest = job.ingest(name);
    } catch {
      return undefined;
    }
    const listeners = this.#listeners;
    h = {
      tableId: `${this.id}/${name}`,
      tableName: `${(this.#o.assignment.spec as unknown as JobSpec).name}/${name}`,
      shard: 0,
      shards: 1,
      epoch: this.#generation,
      ingest,
      keyedRows: false,
      requestCheckpoint: () => {
        // The pipeline checkpoints itself; one that cannot run now (stopping) is no loss: the
        // producer's rows are acknowledged by the next one.
        this.#job?.checkpoint().catch(() => {});
      },
      onCommitted(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      ended: this.ended,
    };
    this.#sources.set(name, h);
    return h;
  }

  /** Takes a checkpoint now; reports it as a "checkpoint" event carrying `requestId`. */
  checkpoint(requestId: number): void {
    const job = this.#job;
    if (job === undefined) {
      this.#event('checkpoint', {
        requestId,
        code: 'ERR_JOB_STOPPED',
        message: 'the pipeline is not running',
      });
      return;
    }
    job.checkpoint().then(
      (cp) => this.#event('checkpoint', { requestId, checkpointId: cp.id }),
      (err) => this.#event('checkpoint', { requestId, code: errorCode(err), message: errorMessage(err) }),
    );
  }

  /** Stops the job where it is (it resumes from its last checkpoint when assigned again). */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#job?.stop().catch(() => {});
  }

  #event(event: string, e: Partial<PipelineEvent>): void {
    if (event === 'finished' || event === 'failed' || event === 'stopped') {
      this.#listeners.clear();
      this.#end();
    }
    this.#o.onEvent({
      pipelineId: this.id,
      event,
      generation: this.#generation,
      checkpointId: e.checkpointId ?? -1,
      code: e.code ?? '',
      message: e.message ?? '',
      requestId: e.requestId ?? 0,
    });
  }
}
