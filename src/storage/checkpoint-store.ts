import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LaminarError } from '../errors.js';
import { type LaminarLogger, type Logger, SILENT_LOGGER } from '../log.js';
import { makePrivateDir, writeFileAtomic } from './atomic-file.js';

/** One completed checkpoint: where every source partition resumes, and every operator's state. */
export interface Checkpoint {
  /** Strictly increasing per store; also the file name. A non-negative safe integer. */
  id: number;
  jobId?: string;
  /** ISO-8601 time the checkpoint was completed. */
  createdAt: string;
  /** Coordinator generation (bumped on each recovery), so stale acks can be told apart. */
  generation: number;
  /** Source partition → offset to resume after. */
  sources: Record<string, string | number>;
  /** Operator id → its state; must be JSON-serialisable (bigint as string). */
  operators: Record<string, unknown>;
}

/** Why a checkpoint file was passed over by {@link CheckpointStore.latestWithReport}. */
export type SkipReason =
  /** The file could not be read. */
  | 'unreadable'
  /** Shorter than its header says: a write that never completed, or a cut-off copy. */
  | 'truncated'
  /** Not a checkpoint envelope at all, or its payload is not JSON. */
  | 'malformed'
  /** A format version this build does not read. */
  | 'unsupported-version'
  /** The payload does not match its sha256: flipped bits, a partial overwrite. */
  | 'checksum'
  /** Valid JSON but not a checkpoint (missing or mistyped fields). */
  | 'invalid'
  /** The checkpoint inside says another id than its file name. */
  | 'id-mismatch';

export interface SkippedCheckpoint {
  id: number;
  file: string;
  reason: SkipReason;
  detail: string;
}

export interface LatestReport {
  /** The newest valid checkpoint, or null when there is none. */
  checkpoint: Checkpoint | null;
  /** Newer checkpoint files that failed validation, newest first. */
  skipped: SkippedCheckpoint[];
  /** Temporary files of interrupted writes removed by this call. */
  removedTempFiles: string[];
}

export type CheckpointErrorCode =
  | 'ERR_CHECKPOINT_INVALID'
  | 'ERR_CHECKPOINT_ID_NOT_INCREASING'
  | 'ERR_CHECKPOINT_IO';

export class CheckpointError extends LaminarError {
  constructor(code: CheckpointErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export interface CheckpointStoreOptions {
  /** How many newest checkpoint files to keep after each write (an integer ≥ 1). Default 3. */
  keep?: number;
  /** Where skipped checkpoints are reported. Default: nowhere. */
  logger?: Pick<LaminarLogger, 'warn'>;
}

export const DEFAULT_KEEP = 3;

/*
 * On-disk format, one file per checkpoint, `checkpoint-<id, 20 digits>.json`:
 *
 *   {"format":"laminar-redis-checkpoint","version":1,"sha256":"<64 hex>","bytes":<n>,"checkpoint":<payload>}\n
 *   └──────────────────────────── header ──────────────────────────────────────────┘└─ n bytes ─┘
 *
 * The whole file is valid JSON, yet the checksum covers the exact payload bytes: the header has a
 * fixed shape, so the reader finds the payload by offset and never re-serialises anything.
 */
const FORMAT = 'laminar-redis-checkpoint';
const VERSION = 1;
const HEADER =
  /^\{"format":"laminar-redis-checkpoint","version":(\d+),"sha256":"([0-9a-f]{64})","bytes":(\d+),"checkpoint":/;
const TRAILER = '}\n';
const ID_DIGITS = 20;
const FILE = /^checkpoint-(\d{20})\.json$/;
const TEMP = /^checkpoint-\d{20}\.json\.[0-9a-f]+\.tmp$/;

/** File name of a checkpoint id. */
export function checkpointFileName(id: number): string {
  return `checkpoint-${String(id).padStart(ID_DIGITS, '0')}.json`;
}

/** A fresh temporary name for writing checkpoint `id` (same directory, never matched as a checkpoint). */
export function checkpointTempName(id: number): string {
  return `${checkpointFileName(id)}.${randomBytes(6).toString('hex')}.tmp`;
}

/** The bytes of a checkpoint file. Throws {@link CheckpointError} for a non-serialisable checkpoint. */
export function encodeCheckpoint(cp: Checkpoint): Buffer {
  const problem = checkShape(cp);
  if (problem !== undefined) throw new CheckpointError('ERR_CHECKPOINT_INVALID', `checkpoint ${problem}`);
  let payload: Buffer;
  try {
    payload = Buffer.from(JSON.stringify(cp), 'utf8');
  } catch (err) {
    throw new CheckpointError('ERR_CHECKPOINT_INVALID', `checkpoint ${cp.id} is not JSON-serialisable`, {
      cause: err,
    });
  }
  const sha = createHash('sha256').update(payload).digest('hex');
  const header = `{"format":"${FORMAT}","version":${VERSION},"sha256":"${sha}","bytes":${payload.length},"checkpoint":`;
  return Buffer.concat([Buffer.from(header, 'latin1'), payload, Buffer.from(TRAILER, 'latin1')]);
}

/** Validates a checkpoint file's bytes; returns the checkpoint or why it is not one. */
export function decodeCheckpoint(
  bytes: Buffer,
  expectedId?: number,
): { ok: true; checkpoint: Checkpoint } | { ok: false; reason: SkipReason; detail: string } {
  const head = HEADER.exec(bytes.subarray(0, 200).toString('latin1'));
  if (head === null) {
    // A file cut inside its header is truncated; anything else is not ours.
    const text = bytes.toString('latin1');
    const prefix = `{"format":"${FORMAT}"`;
    const cut = text.length < 200 && (prefix.startsWith(text) || text.startsWith(prefix));
    return cut
      ? { ok: false, reason: 'truncated', detail: `file ends inside the header (${bytes.length} bytes)` }
      : { ok: false, reason: 'malformed', detail: 'not a checkpoint envelope' };
  }
  const version = Number(head[1]);
  if (version !== VERSION) {
    return { ok: false, reason: 'unsupported-version', detail: `format version ${version}` };
  }
  const start = head[0].length;
  const length = Number(head[3]);
  const expectedSize = start + length + TRAILER.length;
  if (bytes.length < expectedSize) {
    return { ok: false, reason: 'truncated', detail: `${bytes.length} of ${expectedSize} bytes` };
  }
  if (bytes.length > expectedSize || bytes.toString('latin1', start + length) !== TRAILER) {
    return { ok: false, reason: 'malformed', detail: 'unexpected bytes after the payload' };
  }
  const payload = bytes.subarray(start, start + length);
  if (createHash('sha256').update(payload).digest('hex') !== head[2]) {
    return { ok: false, reason: 'checksum', detail: 'payload does not match its sha256' };
  }
  let cp: unknown;
  try {
    cp = JSON.parse(payload.toString('utf8'));
  } catch {
    // Not the parser's message, which quotes the bytes.
    return { ok: false, reason: 'malformed', detail: 'payload is not valid JSON' };
  }
  const problem = checkShape(cp);
  if (problem !== undefined) return { ok: false, reason: 'invalid', detail: `checkpoint ${problem}` };
  const checkpoint = cp as Checkpoint;
  if (expectedId !== undefined && checkpoint.id !== expectedId) {
    return {
      ok: false,
      reason: 'id-mismatch',
      detail: `file is for ${expectedId}, content is ${checkpoint.id}`,
    };
  }
  return { ok: true, checkpoint };
}

/** Why a value is not a checkpoint, or undefined when it is one. */
function checkShape(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'is not an object';
  const cp = v as Record<string, unknown>;
  if (!Number.isSafeInteger(cp.id) || (cp.id as number) < 0) return 'id must be a non-negative safe integer';
  if (cp.jobId !== undefined && typeof cp.jobId !== 'string') return 'jobId must be a string';
  if (typeof cp.createdAt !== 'string') return 'createdAt must be an ISO-8601 string';
  if (!Number.isSafeInteger(cp.generation) || (cp.generation as number) < 0) {
    return 'generation must be a non-negative safe integer';
  }
  if (!isRecord(cp.sources)) return 'sources must be an object';
  for (const [partition, offset] of Object.entries(cp.sources)) {
    if (typeof offset !== 'string' && !(typeof offset === 'number' && Number.isFinite(offset))) {
      return `sources[${JSON.stringify(partition)}] must be a string or finite number`;
    }
  }
  if (!isRecord(cp.operators)) return 'operators must be an object';
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checkpoints in a local directory, written crash-safely: temp file → fsync → atomic rename →
 * fsync of the directory, so after a crash either the new checkpoint is whole on disk or the
 * previous one is still the latest. Reads validate every file (envelope, length, sha256, shape,
 * id) and fall back to the previous checkpoint past a damaged one.
 *
 * One writer per directory: operations of one store run one at a time, in call order; two
 * processes writing the same directory are not supported.
 */
export class CheckpointStore {
  readonly dir: string;
  readonly keep: number;
  readonly #logger: Pick<Logger, 'warn'> | undefined;
  /** Serialises operations so a read never sees (or cleans) a write's temp file mid-flight. */
  #tail: Promise<unknown> = Promise.resolve();
  #ready = false;
  /** Highest id written by this store, so ids stay increasing even if files vanish. */
  #highWater = -1;

  constructor(dir: string, options: CheckpointStoreOptions = {}) {
    const keep = options.keep ?? DEFAULT_KEEP;
    if (!Number.isSafeInteger(keep) || keep < 1)
      throw new RangeError(`keep must be an integer >= 1, got ${keep}`);
    this.dir = dir;
    this.keep = keep;
    this.#logger = options.logger;
  }

  /**
   * Durably records a checkpoint and prunes all but the newest `keep` files. Rejects with
   * `ERR_CHECKPOINT_ID_NOT_INCREASING` when `cp.id` is not greater than every id on disk
   * (damaged files included: an id is never reused), `ERR_CHECKPOINT_INVALID` for a malformed
   * checkpoint, `ERR_CHECKPOINT_IO` when the file system fails.
   */
  write(cp: Checkpoint): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = encodeCheckpoint(cp); // validated before queueing: a bad call fails without waiting
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#serial(async () => {
      const { ids } = await this.#scan(true);
      const highest = Math.max(this.#highWater, ids.at(-1) ?? -1);
      if (cp.id <= highest) {
        throw new CheckpointError(
          'ERR_CHECKPOINT_ID_NOT_INCREASING',
          `checkpoint id ${cp.id} is not greater than the latest id ${highest}`,
        );
      }
      const temp = join(this.dir, checkpointTempName(cp.id));
      const final = join(this.dir, checkpointFileName(cp.id));
      await io(`write ${temp}`, () => writeFileAtomic(final, bytes, { temp }));
      this.#highWater = cp.id;
      await this.#prune([...ids, cp.id]);
    });
  }

  /** The newest valid checkpoint, or null. Damaged newer files are logged and skipped. */
  async latest(): Promise<Checkpoint | null> {
    return (await this.latestWithReport()).checkpoint;
  }

  /** Like {@link latest}, and tells which files were skipped and why, and which temp files were removed. */
  latestWithReport(): Promise<LatestReport> {
    return this.#serial(async () => {
      const { ids, removedTempFiles } = await this.#scan(false);
      const skipped: SkippedCheckpoint[] = [];
      for (let i = ids.length - 1; i >= 0; i--) {
        const id = ids[i];
        const file = checkpointFileName(id);
        let bytes: Buffer;
        try {
          bytes = await readFile(join(this.dir, file));
        } catch (err) {
          skipped.push({ id, file, reason: 'unreadable', detail: (err as Error).message });
          continue;
        }
        const result = decodeCheckpoint(bytes, id);
        if (result.ok) {
          this.#reportSkipped(skipped);
          return { checkpoint: result.checkpoint, skipped, removedTempFiles };
        }
        skipped.push({ id, file, reason: result.reason, detail: result.detail });
      }
      this.#reportSkipped(skipped);
      return { checkpoint: null, skipped, removedTempFiles };
    });
  }

  /** Ids of the checkpoint files present, ascending (not validated; see {@link latest}). */
  list(): Promise<number[]> {
    return this.#serial(async () => (await this.#scan(false)).ids);
  }

  /** The smallest id {@link write} accepts now: one past every id on disk or written. */
  nextId(): Promise<number> {
    return this.#serial(async () => {
      const { ids } = await this.#scan(false);
      return Math.max(this.#highWater, ids.at(-1) ?? -1) + 1;
    });
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(op, op);
    this.#tail = run.catch(() => {});
    return run;
  }

  /**
   * Lists checkpoint ids (ascending) and removes temp files of interrupted writes. Temp files are
   * removed on a store's first operation and before each write; while operations are serial, no
   * temp file of this store's own is in flight then.
   */
  async #scan(forWrite: boolean): Promise<{ ids: number[]; removedTempFiles: string[] }> {
    if (!this.#ready) {
      await io(`create ${this.dir}`, () => makePrivateDir(this.dir));
    }
    const names = await io(`list ${this.dir}`, () => readdir(this.dir));
    const ids: number[] = [];
    const removedTempFiles: string[] = [];
    const clean = forWrite || !this.#ready;
    for (const name of names) {
      const m = FILE.exec(name);
      if (m !== null) {
        const id = Number(m[1]);
        if (Number.isSafeInteger(id)) ids.push(id);
      } else if (clean && TEMP.test(name)) {
        await unlink(join(this.dir, name)).then(
          () => removedTempFiles.push(name),
          () => {},
        );
      }
    }
    this.#ready = true;
    ids.sort((a, b) => a - b);
    return { ids, removedTempFiles };
  }

  async #prune(ids: number[]): Promise<void> {
    const sorted = [...new Set(ids)].sort((a, b) => a - b);
    for (const id of sorted.slice(0, Math.max(0, sorted.length - this.keep))) {
      // Pruning is housekeeping: a file that cannot be removed now is retried after the next write.
      await unlink(join(this.dir, checkpointFileName(id))).catch(() => {});
    }
  }

  #reportSkipped(skipped: SkippedCheckpoint[]): void {
    if (skipped.length === 0) return;
    const log = this.#logger ?? SILENT_LOGGER;
    for (const s of skipped) {
      log.warn(
        { dir: this.dir, checkpoint: s.id, reason: s.reason, detail: s.detail },
        'skipped damaged checkpoint',
      );
    }
  }
}

/** Runs a file-system step, wrapping failures as `ERR_CHECKPOINT_IO` with the cause kept. */
async function io<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof LaminarError) throw err;
    throw new CheckpointError('ERR_CHECKPOINT_IO', `checkpoint store could not ${what}`, { cause: err });
  }
}
