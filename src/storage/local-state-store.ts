import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { makePrivateDir, writeFileAtomic } from './atomic-file.js';
import { DirJobState } from './dir-job-state.js';
import { type DirLock, lockDataDir } from './dir-lock.js';
import { jobIdentity, raiseGeneration } from './generation-file.js';
import type { JobState, LeaseGrant, MetadataDocument, StateLease, StateStore } from './state-store.js';

/** The metadata file inside the data directory. */
export const METADATA_FILE = 'metadata.json';
/** The store's identity inside the data directory. */
export const STATE_ID_FILE = 'state-id';
/** The coordinator epoch counter inside the data directory (one per lease taken). */
export const LEASE_EPOCH_FILE = 'lease-epoch';

const METADATA_TEMP = /^metadata\.json\.[0-9a-f]+\.tmp$/;

/**
 * The state store of one machine: the coordinator's data directory, as it has always been laid
 * out (`metadata.json`, `tables/<id>/`, `pipelines/<id>/`). Its lease is the directory lock
 * (`LOCK`): one coordinator at a time, which is also its fence.
 */
export class LocalStateStore implements StateStore {
  readonly kind = 'local';
  readonly where: string;
  readonly metadata: MetadataDocument;
  readonly lease: StateLease;

  private constructor(
    readonly dir: string,
    readonly id: string,
    readonly logger: Logger | undefined,
  ) {
    this.where = dir;
    this.metadata = new MetadataFile(join(dir, METADATA_FILE));
    this.lease = new DirLease(dir);
  }

  /** Opens (creating when needed) the store of a data directory. */
  static async open(dir: string, options: { logger?: Logger } = {}): Promise<LocalStateStore> {
    await makePrivateDir(dir);
    return new LocalStateStore(dir, await jobIdentity(dir, STATE_ID_FILE), options.logger);
  }

  /** The state of job `scope`, in the directory `<data dir>/<scope>`. */
  job(scope: string, options: { keep?: number } = {}): JobState {
    return new DirJobState(join(this.dir, scope), { keep: options.keep, logger: this.logger });
  }

  async close(): Promise<void> {}
}

/** `metadata.json`, replaced whole (atomic-file.ts). File-system errors are thrown as they are. */
export class MetadataFile implements MetadataDocument {
  #cleaned = false;
  constructor(readonly where: string) {}

  async read(): Promise<string | undefined> {
    if (!this.#cleaned) {
      // Temp files of writes a crash interrupted.
      const dir = join(this.where, '..');
      for (const name of await readdir(dir)) {
        if (METADATA_TEMP.test(name)) await unlink(join(dir, name)).catch(() => {});
      }
      this.#cleaned = true;
    }
    try {
      return await readFile(this.where, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async write(text: string): Promise<void> {
    await writeFileAtomic(this.where, text);
  }
}

/** The directory lock as a lease: held until released; its epoch counts the takes. */
class DirLease implements StateLease {
  #lock: DirLock | undefined;
  constructor(readonly dir: string) {}

  /** @throws DataDirLockedError (`ERR_DATA_DIR_LOCKED`) when another live process holds it. */
  async acquire(): Promise<LeaseGrant | null> {
    const lock = await lockDataDir(this.dir);
    try {
      // The lease epoch file counts like a generation: the same durable read-raise-rename.
      const epoch = await raiseGeneration(this.dir, 1, LEASE_EPOCH_FILE);
      this.#lock = lock;
      return { epoch, owner: String(process.pid) };
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  async renew(): Promise<boolean> {
    return this.#lock !== undefined;
  }

  async release(): Promise<void> {
    const lock = this.#lock;
    this.#lock = undefined;
    await lock?.release();
  }
}
