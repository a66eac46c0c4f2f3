/**
 * Temporary directories of the CLI (checkpoints of a `run` without `--checkpoint-dir`, of the
 * examples). A second Ctrl-C exits at once, without waiting for the cleanup of the first: the
 * directories still live are removed synchronously as the process exits, so none is left behind.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();

function removeLiveSync(): void {
  // A checkpoint being written as the process exits may add a file while the tree is removed.
  for (const dir of live) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  live.clear();
}

/** A new directory `<os tmpdir>/<prefix>XXXXXX`, removed at exit unless {@link removeTempDir} did. */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (live.size === 0) process.on('exit', removeLiveSync);
  live.add(dir);
  return dir;
}

/** Removes a directory of {@link makeTempDir}. */
export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  live.delete(dir);
  if (live.size === 0) process.off('exit', removeLiveSync);
}
