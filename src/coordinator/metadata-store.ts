/**
 * The coordinator's metadata: connection profiles, connection tables, pipelines and the
 * assignment-epoch counter, in one JSON document of the state store (`metadata.json` of the data
 * directory, or one Redis value). Every change replaces the document atomically before it is
 * visible, so after a crash the store reopens with exactly the changes that were acknowledged;
 * in Redis each write is fenced by the coordinator's lease epoch.
 *
 * The file is small (definitions, not data), so rewriting it whole is simpler and safer than a
 * log. Reads are served from memory; writes run one at a time, and changes that arrive while one
 * runs share the next (group commit), applied in call order. One coordinator per data directory.
 */

import { randomInt } from 'node:crypto';
import { isAbsolute, join, relative, sep } from 'node:path';
import { LaminarError } from '../errors.js';
import { makePrivateDir } from '../storage/atomic-file.js';
import { METADATA_FILE, MetadataFile } from '../storage/local-state-store.js';
import type { MetadataDocument } from '../storage/state-store.js';
import { alreadyExists, ControlError, notFound } from '../wire/control-errors.js';
import type { PipelineRecord, ProfileRecord, TableRecord } from './records.js';

/** Name of the metadata file inside the data directory. */
export { METADATA_FILE };

const FORMAT = 'laminar-redis-metadata';
const VERSION = 1;

export type MetadataStoreErrorCode = 'ERR_METADATA_CORRUPT' | 'ERR_METADATA_IO';

/** The metadata file cannot be read or written, or is not a metadata file this build reads. */
export class MetadataStoreError extends LaminarError {
  constructor(
    code: MetadataStoreErrorCode,
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Everything the store holds; the shape of the file's payload. */
interface State {
  /** The last epoch handed out (0: none yet). */
  lastEpoch: number;
  profiles: ProfileRecord[];
  tables: TableRecord[];
  pipelines: PipelineRecord[];
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A new record id: `<prefix>_` + 10 random base-36 characters (`prof_`, `tbl_`, `pl_`). */
export function newId(prefix: 'prof' | 'tbl' | 'pl'): string {
  let s = `${prefix}_`;
  for (let i = 0; i < 10; i++) s += ID_ALPHABET[randomInt(36)];
  return s;
}

/**
 * The durable metadata store. Open it with {@link MetadataStore.open}; lookups return copies,
 * so callers can never change the store's state behind its back.
 */
export class MetadataStore {
  /** Where the document lives: the metadata file, or the Redis store (no password). */
  readonly file: string;
  readonly #doc: MetadataDocument;
  #state: State;
  /** Changes waiting for the next write. */
  readonly #queue: QueuedChange[] = [];
  /** The write loop, while it runs. */
  #writing: Promise<void> | undefined;
  #writes = 0;

  private constructor(doc: MetadataDocument, state: State) {
    this.file = doc.where;
    this.#doc = doc;
    this.#state = state;
  }

  /**
   * Opens (creating when needed) the store of a data directory and removes temp files of
   * interrupted writes.
   *
   * @throws MetadataStoreError `ERR_METADATA_CORRUPT` when the file is not a valid metadata file;
   *   it is left untouched (nothing is ever silently dropped), and the message says so.
   */
  static async open(dataDir: string): Promise<MetadataStore> {
    const file = join(dataDir, METADATA_FILE);
    await io(file, `create ${dataDir}`, () => makePrivateDir(dataDir));
    return MetadataStore.openDocument(new MetadataFile(file));
  }

  /**
   * Opens the store over a state store's metadata document (see {@link open} for what is thrown;
   * a Redis store's own errors, `ERR_STATE_*`, pass through as they are).
   */
  static async openDocument(doc: MetadataDocument): Promise<MetadataStore> {
    const file = doc.where;
    let text: string | undefined;
    try {
      text = await doc.read();
    } catch (err) {
      if (err instanceof LaminarError) throw err;
      throw new MetadataStoreError('ERR_METADATA_IO', `cannot read ${file}`, file, { cause: err });
    }
    const state =
      text === undefined ? { lastEpoch: 0, profiles: [], tables: [], pipelines: [] } : decode(file, text);
    return new MetadataStore(doc, state);
  }

  listProfiles(): ProfileRecord[] {
    return structuredClone(this.#state.profiles);
  }
  /** The profile with this id, or else this name. */
  findProfile(idOrName: string): ProfileRecord | undefined {
    return copy(find(this.#state.profiles, idOrName));
  }
  listTables(): TableRecord[] {
    return structuredClone(this.#state.tables);
  }
  /** The table with this id, or else this name. */
  findTable(idOrName: string): TableRecord | undefined {
    return copy(find(this.#state.tables, idOrName));
  }
  listPipelines(): PipelineRecord[] {
    return structuredClone(this.#state.pipelines);
  }
  /** The pipeline with this id, or else this name. */
  findPipeline(idOrName: string): PipelineRecord | undefined {
    return copy(find(this.#state.pipelines, idOrName));
  }

  /** Stores a new profile. @throws ControlError `ERR_ALREADY_EXISTS` when its name is taken. */
  insertProfile(record: ProfileRecord): Promise<ProfileRecord> {
    return this.#change((s) => {
      insert(s.profiles, record, 'connection profile');
      return record;
    });
  }

  /**
   * Removes a profile.
   *
   * @throws ControlError `ERR_NOT_FOUND`, or `ERR_FAILED_PRECONDITION` while a table uses it
   *   (checked in the same step as the removal, so a table created meanwhile cannot be orphaned).
   */
  deleteProfile(id: string): Promise<ProfileRecord> {
    return this.#change((s) => {
      const users = s.tables.filter((t) => t.connectionProfileId === id).map((t) => `'${t.name}'`);
      const profile = s.profiles.find((p) => p.id === id);
      if (profile === undefined) throw notFound('connection profile', id);
      if (users.length > 0) {
        throw new ControlError(
          'ERR_FAILED_PRECONDITION',
          `connection profile '${profile.name}' is used by connection table ${users.join(', ')}; delete the table first`,
        );
      }
      return remove(s.profiles, id, 'connection profile');
    });
  }

  /**
   * Stores a new table.
   *
   * @throws ControlError `ERR_ALREADY_EXISTS` when its name is taken, `ERR_NOT_FOUND` when its
   *   profile was deleted meanwhile.
   */
  insertTable(record: TableRecord): Promise<TableRecord> {
    return this.#change((s) => {
      const profileId = record.connectionProfileId;
      if (profileId !== '' && !s.profiles.some((p) => p.id === profileId)) {
        throw notFound('connection profile', profileId);
      }
      insert(s.tables, record, 'connection table');
      return record;
    });
  }

  /** Removes a table. @throws ControlError `ERR_NOT_FOUND`. */
  deleteTable(id: string): Promise<TableRecord> {
    return this.#change((s) => remove(s.tables, id, 'connection table'));
  }

  /**
   * Stores a new pipeline.
   *
   * @throws ControlError `ERR_ALREADY_EXISTS` when its name is taken, `ERR_FAILED_PRECONDITION`
   *   when a pipeline that has not ended keeps its checkpoints in the same directory (or one
   *   inside the other): the two would fence each other out. An ended pipeline's directory may be
   *   taken over, to resume from its checkpoints.
   */
  insertPipeline(record: PipelineRecord): Promise<PipelineRecord> {
    return this.#change((s) => {
      const dir = record.spec.checkpoint.dir;
      const clash = s.pipelines.find((p) => !ENDED.has(p.state) && nested(p.spec.checkpoint.dir, dir));
      if (clash !== undefined) {
        throw new ControlError(
          'ERR_FAILED_PRECONDITION',
          `job spec: checkpoint.dir: pipeline '${clash.name}' keeps its checkpoints there; stop it first or choose another directory`,
        );
      }
      insert(s.pipelines, record, 'pipeline');
      return record;
    });
  }

  /**
   * Replaces a pipeline with `update(current)` (its id cannot change); `updatedAtMs` is set to
   * now unless the update set it. @throws ControlError `ERR_NOT_FOUND`.
   */
  updatePipeline(id: string, update: (current: PipelineRecord) => PipelineRecord): Promise<PipelineRecord> {
    return this.#change((s) => {
      const i = s.pipelines.findIndex((p) => p.id === id);
      if (i === -1) throw notFound('pipeline', id);
      const current = s.pipelines[i];
      const next = { ...update(structuredClone(current)), id };
      if (next.updatedAtMs === current.updatedAtMs) next.updatedAtMs = Date.now();
      s.pipelines[i] = next;
      return next;
    });
  }

  /** Removes a pipeline. @throws ControlError `ERR_NOT_FOUND`. */
  deletePipeline(id: string): Promise<PipelineRecord> {
    return this.#change((s) => remove(s.pipelines, id, 'pipeline'));
  }

  /**
   * The next assignment epoch: 1, 2, 3, ... Durable before it is returned, so an epoch is never
   * handed out twice, across restarts and concurrent callers alike.
   */
  nextEpoch(): Promise<number> {
    return this.#change((s) => ++s.lastEpoch);
  }

  /** Resolves once every change queued so far is on disk (or failed). */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  /** Times the file was written since the store was opened (one write may carry many changes). */
  get writeCount(): number {
    return this.#writes;
  }

  /**
   * Queues a change: `fn` is applied to a copy of the state, the copy is written, and only then
   * is it current and the caller answered. A change that throws is refused alone; a failed write
   * refuses every change it carried and leaves memory and disk as they were.
   *
   * Group commit: changes made while a write is under way are applied together, in call order,
   * and written once when it ends. 600 parallel creates cost two or three writes, not 600 (each
   * a whole-file rewrite with two fsyncs).
   */
  #change<T>(fn: (state: State) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#writing !== undefined) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
      // Callers answered by the last batch may have queued changes before this ran.
      if (this.#queue.length > 0) this.#kick();
    });
  }

  /** Writes queued changes, a batch at a time, until none are left. Never rejects. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0);
      let next = this.#state;
      const applied: Array<{ change: QueuedChange; result: unknown }> = [];
      for (const change of batch) {
        // Change functions replace list entries, never edit records in place, so copying the
        // lists is enough to keep a refused change from touching the state.
        const trial: State = {
          ...next,
          profiles: [...next.profiles],
          tables: [...next.tables],
          pipelines: [...next.pipelines],
        };
        try {
          applied.push({ change, result: change.fn(trial) });
          next = trial;
        } catch (err) {
          change.reject(err);
        }
      }
      if (applied.length === 0) continue;
      try {
        const body = encode(next);
        await io(this.file, `write ${this.file}`, () => this.#doc.write(body));
        this.#writes++;
      } catch (err) {
        for (const a of applied) a.change.reject(err);
        continue;
      }
      this.#state = next;
      for (const a of applied) a.change.resolve(structuredClone(a.result));
    }
  }
}

/** A change waiting for its write. */
interface QueuedChange {
  fn: (state: State) => unknown;
  resolve: (result: unknown) => void;
  reject: (err: unknown) => void;
}

const ENDED: ReadonlySet<string> = new Set(['finished', 'stopped', 'failed']);

/** True when one directory is the other or lies inside it. */
function nested(a: string, b: string): boolean {
  const inside = (root: string, p: string) => {
    const r = relative(root, p);
    return r === '' || (r.split(sep)[0] !== '..' && !isAbsolute(r));
  };
  return inside(a, b) || inside(b, a);
}

function find<R extends { id: string; name: string }>(list: R[], idOrName: string): R | undefined {
  return list.find((r) => r.id === idOrName) ?? list.find((r) => r.name === idOrName);
}

function copy<R>(record: R | undefined): R | undefined {
  return record === undefined ? undefined : structuredClone(record);
}

function insert<R extends { id: string; name: string }>(
  list: R[],
  record: R,
  kind: Parameters<typeof alreadyExists>[0],
): void {
  if (list.some((r) => r.name === record.name)) throw alreadyExists(kind, record.name);
  if (list.some((r) => r.id === record.id))
    throw new ControlError('ERR_ALREADY_EXISTS', `${kind} id '${record.id}' is taken`);
  list.push(structuredClone(record));
}

function remove<R extends { id: string }>(list: R[], id: string, kind: Parameters<typeof notFound>[0]): R {
  const i = list.findIndex((r) => r.id === id);
  if (i === -1) throw notFound(kind, id);
  return list.splice(i, 1)[0];
}

function encode(state: State): string {
  return `${JSON.stringify({ format: FORMAT, version: VERSION, ...state }, null, 1)}\n`;
}

/** Parses and checks the file; anything unexpected is ERR_METADATA_CORRUPT naming what. */
function decode(file: string, text: string): State {
  const corrupt = (detail: string, cause?: unknown) =>
    new MetadataStoreError(
      'ERR_METADATA_CORRUPT',
      `metadata file ${file} is damaged (${detail}); it was left as it is: restore it from a backup, or move it away to start with empty metadata`,
      file,
      cause === undefined ? undefined : { cause },
    );
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw corrupt('not JSON', err);
  }
  if (!isObject(doc) || doc.format !== FORMAT) throw corrupt('not a laminar-redis metadata file');
  if (doc.version !== VERSION)
    throw corrupt(`format version ${JSON.stringify(doc.version)} is not supported`);
  if (!Number.isSafeInteger(doc.lastEpoch) || (doc.lastEpoch as number) < 0)
    throw corrupt('lastEpoch is not a count');
  const lists = ['profiles', 'tables', 'pipelines'] as const;
  for (const key of lists) {
    const list = doc[key];
    if (!Array.isArray(list)) throw corrupt(`${key} is not a list`);
    for (const [i, r] of list.entries()) {
      if (!isObject(r) || typeof r.id !== 'string' || typeof r.name !== 'string') {
        throw corrupt(`${key}[${i}] is not a record with an id and a name`);
      }
    }
  }
  return {
    lastEpoch: doc.lastEpoch as number,
    profiles: doc.profiles as ProfileRecord[],
    tables: doc.tables as TableRecord[],
    pipelines: doc.pipelines as PipelineRecord[],
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Runs a file-system step, wrapping failures as ERR_METADATA_IO with the cause kept. */
async function io<T>(file: string, what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof LaminarError) throw err;
    throw new MetadataStoreError('ERR_METADATA_IO', `metadata store could not ${what}`, file, { cause: err });
  }
}
