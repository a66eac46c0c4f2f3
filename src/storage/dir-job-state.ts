import type { Logger } from '../log.js';
import { makePrivateDir } from './atomic-file.js';
import type { Checkpoint } from './checkpoint-store.js';
import { CheckpointStore } from './checkpoint-store.js';
import { jobIdentity, raiseGeneration, readGeneration } from './generation-file.js';
import type { JobState, WriteFence } from './state-store.js';

/**
 * One job's state in a directory: the checkpoint files, `job-identity` and `generation` as they
 * have always been (docs/checkpoints.md). The directory has one writer at a time; a job attempt
 * checks its generation before each checkpoint (the caller's `checkOwner`), which is the fence
 * of a directory.
 */
export class DirJobState implements JobState {
  readonly where: string;
  readonly #store: CheckpointStore;

  constructor(
    readonly dir: string,
    options: { keep?: number; logger?: Pick<Logger, 'warn'> } = {},
  ) {
    this.where = dir;
    this.#store = new CheckpointStore(dir, options);
  }

  write(cp: Checkpoint, _fence?: WriteFence): Promise<void> {
    return this.#store.write(cp);
  }
  latest(): Promise<Checkpoint | null> {
    return this.#store.latest();
  }
  nextId(): Promise<number> {
    return this.#store.nextId();
  }
  list(): Promise<number[]> {
    return this.#store.list();
  }
  /** Made in the directory (created when missing). */
  async identity(): Promise<string> {
    await makePrivateDir(this.dir);
    return jobIdentity(this.dir);
  }
  readGeneration(): Promise<number> {
    return readGeneration(this.dir);
  }
  async raiseGeneration(atLeast?: number): Promise<number> {
    await makePrivateDir(this.dir);
    return raiseGeneration(this.dir, atLeast);
  }
}
