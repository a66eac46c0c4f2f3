/**
 * One owner per data directory. A coordinator writes its metadata (profiles, tables, epochs that
 * fences rely on) as a whole file; two coordinators on one directory would erase each other's
 * acknowledged changes and hand out the same epochs twice. The first to start takes the lock:
 * a `LOCK` file created exclusively, holding its process id. A lock whose process is gone (a
 * crash, SIGKILL) is taken over; a live one makes the second start fail with the holder named.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LaminarError } from '../errors.js';

/** Name of the lock file inside a data directory. */
export const LOCK_FILE = 'LOCK';

/** Another live process holds the data directory. */
export class DataDirLockedError extends LaminarError {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      'ERR_DATA_DIR_LOCKED',
      `data directory ${dataDir} is in use by process ${pid}: stop it, or give this coordinator its own data directory`,
    );
  }
}

/** A held lock; {@link release} gives it up (idempotent). */
export interface DirLock {
  readonly file: string;
  release(): Promise<void>;
}

/** True while a process with this id exists (EPERM: it exists, owned by another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of `dataDir` (which must exist) for this process.
 *
 * @throws DataDirLockedError when a live process holds it.
 */
export async function lockDataDir(dataDir: string): Promise<DirLock> {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        file,
        async release() {
          if (released) return;
          released = true;
          await unlink(file).catch(() => {});
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw lockError(e, dataDir, file);
    }
    const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    // A file with no valid pid is a lock whose writer died between create and write.
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
      throw new DataDirLockedError(dataDir, holder);
    }
    if (holder === process.pid) throw new DataDirLockedError(dataDir, holder);
    await unlink(file).catch(() => {});
  }
}

function lockError(e: unknown, dataDir: string, file: string): Error {
  if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
    return new LaminarError(
      'ERR_DATA_DIR_LOCKED',
      `data directory ${dataDir} was locked by another process meanwhile (${file})`,
    );
  }
  return e instanceof Error ? e : new Error(String(e));
}
