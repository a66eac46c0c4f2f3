/**
 * Crash-safe replacement of a whole file, shared by every store of the coordinator (checkpoints,
 * the generation counter, the metadata store):
 *
 *   write <final>.<rand>.tmp ─▶ fsync ─▶ close ─▶ rename over <final> ─▶ fsync the directory
 *
 * After a crash at any step, `final` holds either its previous content or the new one, never a
 * mix: rename is atomic within a directory, the file fsync orders the data before the rename, and
 * the directory fsync makes the rename itself durable before the caller is told it happened.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Temporary file to write first, in the same directory as the final file (rename is atomic
   * only within one file system). Default: `<final>.<12 hex>.tmp`.
   */
  temp?: string;
  /** File mode of a new file. Default 0o644. */
  mode?: number;
}

/** A fresh temporary path beside `final`: `<final>.<12 hex>.tmp`. */
export function atomicTempPath(final: string): string {
  return `${final}.${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * Replaces `final` with `data` durably (see the file comment). On failure the temporary file is
 * removed and the file system's error is rethrown as it is: callers wrap it in their own typed
 * error. The temp file is created exclusively, so a stale one of the same name is an error
 * rather than something silently appended to.
 */
export async function writeFileAtomic(
  final: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = options.temp ?? atomicTempPath(final);
  try {
    const fh = await open(temp, 'wx', options.mode ?? 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, final);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
  await fsyncDir(dirname(final));
}

/** Makes a directory's entries (a rename, a new file) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch (err) {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw err;
  } finally {
    await fh.close();
  }
}
