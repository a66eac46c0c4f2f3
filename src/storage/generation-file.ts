import { randomBytes } from 'node:crypto';
import { link, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicTempPath, fsyncDir, PRIVATE_FILE_MODE, writeFileAtomic } from './atomic-file.js';
import { CheckpointError } from './checkpoint-store.js';

/** Name of the generation counter inside a checkpoint directory. */
export const GENERATION_FILE = 'generation';

/** Name of the job identity inside a checkpoint directory. */
export const JOB_IDENTITY_FILE = 'job-identity';

const IDENTITY = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * The identity of the job that owns checkpoint directory `dir`: a random id (32 hex digits)
 * made durably the first time a job starts there, then read back on every start. Exactly-once
 * fences belong to it (docs/checkpoints.md): a new directory is a new job, whose offsets and
 * generations start afresh, never fenced by another job's.
 *
 * `file` names it inside `dir` (a state store's own identity uses another name).
 *
 * Made once even when two processes start on a fresh directory together: the id is written to a
 * temp file, fsync'd and hard-linked to its name, which fails when it exists, so the later one
 * reads the earlier one's.
 */
export async function jobIdentity(dir: string, file: string = JOB_IDENTITY_FILE): Promise<string> {
  const final = join(dir, file);
  const existing = await readIdentity(dir, final);
  if (existing !== undefined) return existing;
  const id = randomBytes(16).toString('hex');
  const temp = atomicTempPath(final);
  try {
    const fh = await open(temp, 'wx', PRIVATE_FILE_MODE);
    try {
      await fh.writeFile(`${id}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await link(temp, final);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    await fsyncDir(dir);
  } catch (err) {
    throw new CheckpointError('ERR_CHECKPOINT_IO', `cannot record the job identity in ${dir}`, {
      cause: err,
    });
  } finally {
    await unlink(temp).catch(() => {});
  }
  const made = await readIdentity(dir, final);
  if (made === undefined) {
    throw new CheckpointError('ERR_CHECKPOINT_IO', `the job identity in ${dir} vanished as it was made`);
  }
  return made;
}

/** The identity in `final`, or undefined when there is none yet. */
async function readIdentity(dir: string, final: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(final, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CheckpointError('ERR_CHECKPOINT_IO', `cannot read the job identity in ${dir}`, { cause: err });
  }
  const id = text.trim();
  if (!IDENTITY.test(id)) {
    // Not quoted, as the generation file's content is not.
    throw new CheckpointError(
      'ERR_CHECKPOINT_INVALID',
      `job identity file in ${dir} does not hold a job identity (${text.length} bytes)`,
    );
  }
  return id;
}

/** The generation recorded in `dir` (0 when there is none yet); `file` names its counter. */
export async function readGeneration(dir: string, file: string = GENERATION_FILE): Promise<number> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new CheckpointError('ERR_CHECKPOINT_IO', `cannot read the generation in ${dir}`, { cause: err });
  }
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n) || n < 0) {
    // The content is not quoted: errors reach API responses, and the file could be anything.
    throw new CheckpointError(
      'ERR_CHECKPOINT_INVALID',
      `generation file in ${dir} does not hold a generation number (${text.length} bytes)`,
    );
  }
  return n;
}

/**
 * Raises the job's generation and makes it durable before returning: the new value is
 * `max(recorded, atLeast - 1) + 1`, written to a temp file, fsync'd, renamed over the counter and
 * the directory fsync'd. Every start of a job raises it before writing anything to Redis, so the
 * fences refuse writes from any earlier incarnation once the new one has touched a slot.
 *
 * One owner per directory: two instances starting at the same instant could read the same value
 * (the later rename wins and both use it); a later start always supersedes both.
 */
export async function raiseGeneration(
  dir: string,
  atLeast = 1,
  file: string = GENERATION_FILE,
): Promise<number> {
  const next = Math.max(await readGeneration(dir, file), atLeast - 1) + 1;
  const final = join(dir, file);
  try {
    await writeFileAtomic(final, `${next}\n`);
  } catch (err) {
    throw new CheckpointError('ERR_CHECKPOINT_IO', `cannot record generation ${next} in ${dir}`, {
      cause: err,
    });
  }
  return next;
}
