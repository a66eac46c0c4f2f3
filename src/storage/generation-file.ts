import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { CheckpointError } from './checkpoint-store.js';

/** Name of the generation counter inside a checkpoint directory. */
export const GENERATION_FILE = 'generation';

/** The generation recorded in `dir` (0 when there is none yet). */
export async function readGeneration(dir: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(join(dir, GENERATION_FILE), 'utf8');
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
export async function raiseGeneration(dir: string, atLeast = 1): Promise<number> {
  const next = Math.max(await readGeneration(dir), atLeast - 1) + 1;
  const final = join(dir, GENERATION_FILE);
  try {
    await writeFileAtomic(final, `${next}\n`);
  } catch (err) {
    throw new CheckpointError('ERR_CHECKPOINT_IO', `cannot record generation ${next} in ${dir}`, {
      cause: err,
    });
  }
  return next;
}
