import { type ErrorCode, LaminarError } from '../errors.js';
import type { PipelineEvent } from '../wire/gen/laminar/redis/v1/worker.js';
import type { PipelineRecord, PipelineStateName } from './records.js';

const TERMINAL: ReadonlySet<PipelineStateName> = new Set(['finished', 'stopped', 'failed']);

/** The record changes a runner asks the store to make. */
export type PipelinePatch = Partial<
  Pick<PipelineRecord, 'state' | 'workerId' | 'generation' | 'lastCheckpointId' | 'error'>
>;

/**
 * One pipeline on the coordinator side: which worker runs it, the checkpoint requests and stop
 * requests waiting for that worker's answer, and the watchers of its record. Record changes go
 * through `update` (the metadata store), so they survive a coordinator restart.
 */
export class PipelineRunner {
  record: PipelineRecord;
  readonly #update: (patch: PipelinePatch) => Promise<PipelineRecord>;
  readonly #checkpoints = new Map<number, { resolve: (id: number) => void; reject: (e: unknown) => void }>();
  readonly #stops: Array<() => void> = [];
  readonly #watchers = new Set<(p: PipelineRecord) => void>();
  #nextRequest = 1;
  /** A stop was asked for: never placed again; a lost worker means stopped. */
  stopRequested = false;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(record: PipelineRecord, update: (patch: PipelinePatch) => Promise<PipelineRecord>) {
    this.record = record;
    this.#update = update;
  }

  get terminal(): boolean {
    return TERMINAL.has(this.record.state);
  }

  /** Wants a worker: not ended and not running anywhere. */
  get unplaced(): boolean {
    return !this.terminal && !this.stopRequested && this.record.workerId === '';
  }

  /** Applies a change (in order) and tells the watchers. */
  set(patch: PipelinePatch): Promise<void> {
    const run = this.#writes.then(async () => {
      this.record = await this.#update(patch);
      for (const w of this.#watchers) w(this.record);
      if (this.terminal) this.#ended();
    });
    this.#writes = run.catch(() => {});
    return run;
  }

  watch(onChange: (p: PipelineRecord) => void): () => void {
    this.#watchers.add(onChange);
    return () => this.#watchers.delete(onChange);
  }

  /** A checkpoint request id and the promise of its answer. */
  requestCheckpoint(): { requestId: number; done: Promise<number> } {
    const requestId = this.#nextRequest++;
    const done = new Promise<number>((resolve, reject) =>
      this.#checkpoints.set(requestId, { resolve, reject }),
    );
    return { requestId, done };
  }

  /** Resolves once the pipeline has ended. */
  whenEnded(): Promise<void> {
    if (this.terminal) return Promise.resolve();
    return new Promise((resolve) => this.#stops.push(resolve));
  }

  /** An event from the worker running it. */
  onEvent(e: PipelineEvent): Promise<void> {
    switch (e.event) {
      case 'started':
        return this.set({ state: 'running', generation: e.generation, error: undefined });
      case 'checkpoint': {
        const waiting = e.requestId === 0 ? undefined : this.#checkpoints.get(e.requestId);
        if (waiting !== undefined) {
          this.#checkpoints.delete(e.requestId);
          if (e.code === '') waiting.resolve(e.checkpointId);
          // The worker sends the failure's own `.code` (errorCode()): one of ours unless an error
          // from outside the project escaped the job. Passed on unchanged, as the worker saw it.
          else waiting.reject(new LaminarError(e.code as ErrorCode, e.message));
        }
        return e.code === '' && e.checkpointId > this.record.lastCheckpointId
          ? this.set({ lastCheckpointId: e.checkpointId })
          : Promise.resolve();
      }
      case 'finished':
        return this.set({ state: 'finished', workerId: '', lastCheckpointId: e.checkpointId });
      case 'stopped':
        return this.set({ state: 'stopped', workerId: '' });
      case 'failed':
        return this.set({ state: 'failed', workerId: '', error: `[${e.code}] ${e.message}` });
      default:
        return Promise.resolve();
    }
  }

  /** Its worker is gone: checkpoint requests fail; the pipeline is placed again unless stopping. */
  workerLost(): void {
    for (const w of this.#checkpoints.values())
      w.reject(new LaminarError('ERR_UNAVAILABLE', 'the worker running the pipeline was lost'));
    this.#checkpoints.clear();
  }

  #ended(): void {
    for (const w of this.#checkpoints.values())
      w.reject(
        new LaminarError('ERR_FAILED_PRECONDITION', `pipeline ${this.record.name} is ${this.record.state}`),
      );
    this.#checkpoints.clear();
    for (const s of this.#stops.splice(0)) s();
  }
}
