import { access, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { makePrivateDir, writeFileAtomic } from './atomic-file.js';
import { DirJobState } from './dir-job-state.js';
import { type DirLock, LOCK_FILE, lockDataDir } from './dir-lock.js';
import { jobIdentity, raiseGeneration, readGeneration } from './generation-file.js';
import { addressesJson, leaderRecord, readLeaderRecord } from './leader-record.js';
import type {
  JobState,
  LeaderAddresses,
  LeaseGrant,
  LeaseHolder,
  MetadataDocument,
  StateLease,
  StateStore,
} from './state-store.js';

/** The metadata file inside the data directory. */
export const METADATA_FILE = 'metadata.json';
/** The store's identity inside the data directory. */
export const STATE_ID_FILE = 'state-id';
/** The coordinator epoch counter inside the data directory (one per lease taken). */
export const LEASE_EPOCH_FILE = 'lease-epoch';
/** The lock holder's epoch and advertised addresses (leader-record.ts), while it holds the lock. */
export const LEADER_FILE = 'leader';

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

/**
 * The directory lock as a lease: held until released; its epoch counts the takes. Its holder's
 * record is the `leader` file beside the lock, removed on release (a holder that crashed leaves
 * it until the next one starts).
 */
class DirLease implements StateLease {
  #lock: DirLock | undefined;
  #epoch = 0;
  constructor(readonly dir: string) {}

  /** @throws DataDirLockedError (`ERR_DATA_DIR_LOCKED`) when another live process holds it. */
  async acquire(_ttlMs?: number, addresses?: LeaderAddresses): Promise<LeaseGrant | null> {
    const json = addressesJson(addresses);
    const lock = await lockDataDir(this.dir);
    try {
      // The lease epoch file counts like a generation: the same durable read-raise-rename.
      const epoch = await raiseGeneration(this.dir, 1, LEASE_EPOCH_FILE);
      await this.#record(epoch, json);
      this.#lock = lock;
      this.#epoch = epoch;
      return { epoch, owner: String(process.pid) };
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  async renew(_grant?: LeaseGrant, _ttlMs?: number, addresses?: LeaderAddresses): Promise<boolean> {
    if (this.#lock === undefined) return false;
    const json = addressesJson(addresses);
    if (json !== '') await this.#record(this.#epoch, json);
    return true;
  }

  async release(): Promise<void> {
    const lock = this.#lock;
    this.#lock = undefined;
    if (lock === undefined) return;
    await unlink(join(this.dir, LEADER_FILE)).catch(() => {});
    await lock.release();
  }

  async holder(): Promise<LeaseHolder | null> {
    try {
      await access(join(this.dir, LOCK_FILE));
    } catch {
      return null;
    }
    const epoch = await readGeneration(this.dir, LEASE_EPOCH_FILE);
    const record = await readFile(join(this.dir, LEADER_FILE), 'utf8').catch(() => undefined);
    return readLeaderRecord(record, epoch);
  }

  async #record(epoch: number, json: string): Promise<void> {
    const file = join(this.dir, LEADER_FILE);
    if (json === '') await unlink(file).catch(() => {});
    else await writeFileAtomic(file, leaderRecord(epoch, json));
  }
}
