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
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Mode of the files the stores write: owner only. Metadata holds connection passwords as given,
 * checkpoints hold source positions and operator state; nobody else on the machine reads them.
 * A file that existed with a wider mode gets this one when it is rewritten (a new file is
 * renamed over it).
 */
export const PRIVATE_FILE_MODE = 0o600;

/** Mode of the directories the stores create: owner only. */
export const PRIVATE_DIR_MODE = 0o700;

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Temporary file to write first, in the same directory as the final file (rename is atomic
   * only within one file system). Default: `<final>.<12 hex>.tmp`.
   */
  temp?: string;
  /** File mode of the new file (the umask applies). Default {@link PRIVATE_FILE_MODE}. */
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
    const fh = await open(temp, 'wx', options.mode ?? PRIVATE_FILE_MODE);
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

/**
 * Creates `dir` and its missing parents with {@link PRIVATE_DIR_MODE}, durably (the parent of
 * the first created directory is fsync'd). An existing directory is left as it is.
 */
export async function makePrivateDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (created !== undefined) await fsyncDir(dirname(created));
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
