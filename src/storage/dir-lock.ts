/**
 * One owner per data directory. A coordinator writes its metadata (profiles, tables, epochs that
 * fences rely on) as a whole file; two coordinators on one directory would erase each other's
 * acknowledged changes and hand out the same epochs twice. The first to start takes the lock:
 * a `LOCK` file created exclusively, holding its process id and host name. A lock whose process
 * is gone (a crash, SIGKILL) is taken over; a live one makes the second start fail with the
 * holder named. A lock written on another host (a data directory on a shared file system) cannot
 * be checked from here, so it is never taken over: it refuses until removed by hand.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LaminarError } from '../errors.js';

/** Name of the lock file inside a data directory. */
export const LOCK_FILE = 'LOCK';

/** Another live process holds the data directory. */
export class DataDirLockedError extends LaminarError {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    /** Host name of the holder, when the lock was written on another host. */
    readonly host?: string,
  ) {
    super(
      'ERR_DATA_DIR_LOCKED',
      host === undefined
        ? `data directory ${dataDir} is in use by process ${pid}: stop it, or give this coordinator its own data directory`
        : `data directory ${dataDir} is locked by process ${pid} on host ${host}: stop it there, or remove ${join(dataDir, LOCK_FILE)} if it is gone`,
    );
  }
}

/** What a `LOCK` file says: `<pid>\n<host>\n` (older files: the pid alone, this host). */
function parseLock(text: string): { pid: number; host: string | undefined } {
  const [pid = '', host = ''] = text.split('\n');
  return { pid: Number.parseInt(pid, 10), host: host.trim() === '' ? undefined : host.trim() };
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
 * @throws DataDirLockedError when a live process of this host, or any process of another host,
 *   holds it.
 */
export async function lockDataDir(dataDir: string): Promise<DirLock> {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n${hostname()}\n`);
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
    const { pid: holder, host } = parseLock(await readFile(file, 'utf8').catch(() => ''));
    // A file with no valid pid is a lock whose writer died between create and write.
    const valid = Number.isSafeInteger(holder) && holder > 0;
    // Whether a pid of another host is alive cannot be told from here.
    if (valid && host !== undefined && host !== hostname()) {
      throw new DataDirLockedError(dataDir, holder, host);
    }
    if (valid && holder !== process.pid && alive(holder)) throw new DataDirLockedError(dataDir, holder);
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
