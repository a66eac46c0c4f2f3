import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCoordinator } from '../../src/coordinator/coordinator.js';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../src/storage/dir-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('data directory lock', () => {
  it('data directory lock — a second holder is refused, naming the directory and the holder', async () => {
    const first = await lockDataDir(dir);
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n${hostname()}\n`);
    await expect(lockDataDir(dir)).rejects.toMatchObject({ code: 'ERR_DATA_DIR_LOCKED', pid: process.pid });
    await first.release();
    const again = await lockDataDir(dir);
    await again.release();
  });

  it('data directory lock — a lock left by a process that is gone is taken over', async () => {
    for (const stale of [`${deadPid()}\n${hostname()}\n`, `${deadPid()}\n`]) {
      await writeFile(join(dir, LOCK_FILE), stale);
      const lock = await lockDataDir(dir);
      expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n${hostname()}\n`);
      await lock.release();
    }
  });

  it('data directory lock — starters racing for a stale lock: exactly one takes it, the others are refused', async () => {
    const dead = deadPid();
    for (let round = 0; round < 50; round++) {
      const d = join(dir, `race-${round}`);
      await mkdir(d);
      await writeFile(join(d, LOCK_FILE), `${dead}\n${hostname()}\n`);
      const results = await Promise.allSettled([lockDataDir(d), lockDataDir(d), lockDataDir(d)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ERR_DATA_DIR_LOCKED' });
      }
      // Nothing but the lock itself is left in the directory.
      expect(await readdir(d)).toEqual([LOCK_FILE]);
    }
  });

  it('data directory lock — a takeover file left by a process that is gone is named, not guessed about', async () => {
    const dead = deadPid();
    await writeFile(join(dir, LOCK_FILE), `${dead}\n${hostname()}\n`);
    await writeFile(join(dir, `${LOCK_FILE}.takeover`), `${dead}\n${hostname()}\n`);
    await expect(lockDataDir(dir)).rejects.toMatchObject({
      code: 'ERR_DATA_DIR_LOCKED',
      message: expect.stringContaining(`${LOCK_FILE}.takeover was left by process ${dead}, which is gone`),
    });
  });

  it('data directory lock — a lock written on another host is refused, naming the host, even for a pid unknown here', async () => {
    const pid = deadPid();
    await writeFile(join(dir, LOCK_FILE), `${pid}\nother-host.example\n`);
    const err = await lockDataDir(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_DATA_DIR_LOCKED', pid, host: 'other-host.example' });
    expect((err as Error).message).toContain(`process ${pid} on host other-host.example`);
    expect((err as Error).message).toContain(join(dir, LOCK_FILE));
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(`${pid}\nother-host.example\n`);
  });

  it('data directory lock — a lock held by another live process is refused', async () => {
    await writeFile(join(dir, LOCK_FILE), `${process.ppid}\n`);
    const err = await lockDataDir(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as DataDirLockedError).message).toContain(dir);
  });

  it('data directory lock — a second coordinator on the same data directory does not start, and the first keeps its metadata', async () => {
    const quiet = pino({ level: 'silent' });
    const first = await startCoordinator({ dataDir: dir, grpcPort: 0, httpPort: null, logger: quiet });
    try {
      await first.plane.createProfile({
        name: 'p',
        connector: 'redis',
        config: { connection: { address: 'redis://127.0.0.1:1' } },
      });
      await expect(
        startCoordinator({ dataDir: dir, grpcPort: 0, httpPort: null, logger: quiet }),
      ).rejects.toMatchObject({ code: 'ERR_DATA_DIR_LOCKED' });
      expect((await first.plane.listProfiles()).map((p) => p.name)).toEqual(['p']);
    } finally {
      await first.stop();
    }
    const second = await startCoordinator({ dataDir: dir, grpcPort: 0, httpPort: null, logger: quiet });
    try {
      expect((await second.plane.listProfiles()).map((p) => p.name)).toEqual(['p']);
    } finally {
      await second.stop();
    }
  });
});
