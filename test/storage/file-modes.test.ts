import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/storage/atomic-file.js';
import { CheckpointStore, checkpointFileName } from '../../src/storage/checkpoint-store.js';
import { GENERATION_FILE, raiseGeneration } from '../../src/storage/generation-file.js';

/** Checkpoint files and the directories the stores create are readable by their owner only. */

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'laminar-modes-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe.skipIf(process.platform === 'win32')('file modes', () => {
  it('modes — a file rewritten atomically is 0600, also one that was 0644 before', async () => {
    const file = join(root, 'f.json');
    await writeFile(file, 'old', { mode: 0o644 });
    await chmod(file, 0o644);
    await writeFileAtomic(file, 'new');
    expect(await mode(file)).toBe(0o600);
  });

  it('modes — checkpoint stores create 0700 directories (parents too) and 0600 files', async () => {
    const dir = join(root, 'a', 'b', 'checkpoints');
    const store = new CheckpointStore(dir);
    await store.write({
      id: 1,
      createdAt: new Date().toISOString(),
      generation: 1,
      sources: {},
      operators: {},
    });
    expect(await mode(join(root, 'a'))).toBe(0o700);
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(join(dir, checkpointFileName(1)))).toBe(0o600);
    await raiseGeneration(dir);
    expect(await mode(join(dir, GENERATION_FILE))).toBe(0o600);
  });

  it('modes — an existing directory is left as it is', async () => {
    const dir = join(root, 'shared');
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    await new CheckpointStore(dir).nextId();
    expect(await mode(dir)).toBe(0o755);
  });
});
