/**
 * One owner per data directory. A coordinator writes its metadata (profiles, tables, epochs that
 * fences rely on) as a whole file; two coordinators on one directory would erase each other's
 * acknowledged changes and hand out the same epochs twice. The first to start takes the lock:
 * a `LOCK` file created exclusively, holding its process id and host name. A lock whose process
 * is gone (a crash, SIGKILL) is taken over; a live one makes the second start fail with the
 * holder named. A lock written on another host (a data directory on a shared file system) cannot
 * be checked from here, so it is never taken over: it refuses until removed by hand.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, unlink } from 'node:fs/promises';
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
 * ```
 * create LOCK ──ok──▶ held
 *    │ exists
 *    ▼
 * read holder ──live, this process, or another host──▶ DataDirLockedError
 *    │ gone
 *    ▼
 * under LOCK.takeover (exclusive): read again, remove LOCK if still stale ──▶ create LOCK again
 * ```
 *
 * Removing a stale lock happens only under the takeover file, after reading it again there:
 * otherwise two starters that both saw the stale lock could each remove it, the second removing
 * the first's new lock, and both would hold the directory.
 *
 * @throws DataDirLockedError when a live process of this host, or any process of another host,
 *   holds it.
 */
export async function lockDataDir(dataDir: string): Promise<DirLock> {
  const file = join(dataDir, LOCK_FILE);
  const mine = `${process.pid}\n${hostname()}\n`;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await createWith(file, mine)) {
      let released = false;
      return {
        file,
        async release() {
          if (released) return;
          released = true;
          await unlink(file).catch(() => {});
        },
      };
    }
    const holder = await readHolder(file);
    if (holder === undefined) continue; // released meanwhile
    refuseIfHeld(dataDir, holder);
    await takeOver(dataDir, file);
  }
  throw new LaminarError(
    'ERR_DATA_DIR_LOCKED',
    `data directory ${dataDir}: other processes keep taking and releasing ${file}; try again`,
  );
}

/** Creating and taking over the lock is retried this often before giving up. */
const MAX_ATTEMPTS = 100;

/** Name of the file that makes taking over a stale lock exclusive. */
const TAKEOVER_FILE = `${LOCK_FILE}.takeover`;

type Holder = { pid: number; host: string | undefined };

/**
 * Creates `file` holding `text`, or returns false when it exists. The text is in place the
 * moment the file appears (written to a private file, then hard-linked), so a reader never sees
 * a lock without its holder.
 */
async function createWith(file: string, text: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** The holder a lock file names, or undefined when there is no such file. */
async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    return parseLock(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Throws unless the holder is gone (a file naming no valid pid counts as gone: a torn write). */
function refuseIfHeld(dataDir: string, h: Holder): void {
  if (!Number.isSafeInteger(h.pid) || h.pid <= 0) return;
  // Whether a pid of another host is alive cannot be told from here.
  if (h.host !== undefined && h.host !== hostname()) throw new DataDirLockedError(dataDir, h.pid, h.host);
  if (h.pid === process.pid || alive(h.pid)) throw new DataDirLockedError(dataDir, h.pid);
}

/** Removes the stale lock `file` if it is still stale, holding the takeover file meanwhile. */
async function takeOver(dataDir: string, file: string): Promise<void> {
  const guard = join(dataDir, TAKEOVER_FILE);
  if (!(await createWith(guard, `${process.pid}\n${hostname()}\n`))) {
    const other = await readHolder(guard);
    const ours = other !== undefined && (other.host === undefined || other.host === hostname());
    if (ours && Number.isSafeInteger(other.pid) && other.pid > 0 && !alive(other.pid)) {
      // Its owner died within the few milliseconds of a takeover; which starter may remove it
      // would be the same question again.
      throw new LaminarError(
        'ERR_DATA_DIR_LOCKED',
        `data directory ${dataDir}: ${guard} was left by process ${other.pid}, which is gone; remove it`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10)); // another starter is taking over
    return;
  }
  try {
    const holder = await readHolder(file);
    if (holder === undefined) return;
    try {
      refuseIfHeld(dataDir, holder);
    } catch {
      return; // taken over by another starter meanwhile: the caller finds it held
    }
    await unlink(file).catch(() => {});
  } finally {
    await unlink(guard).catch(() => {});
  }
}
