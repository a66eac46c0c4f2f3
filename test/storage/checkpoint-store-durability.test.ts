import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckpointStore } from '../../src/storage/checkpoint-store.js';

/** File-system steps of the store, in order, with paths reduced to base names. */
const steps: string[] = [];

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const name = (p: unknown) => basename(String(p)).replace(/\.[0-9a-f]+\.tmp$/, '.<rand>.tmp');
  return {
    ...fs,
    open: async (path: string, flags?: string, mode?: number) => {
      const fh = await fs.open(path, flags, mode);
      const target = name(path);
      const record =
        <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
        (...args: A) => {
          steps.push(`${what} ${target}`);
          return fn(...args);
        };
      return Object.assign(Object.create(fh), {
        writeFile: record('write', fh.writeFile.bind(fh)),
        sync: record('fsync', fh.sync.bind(fh)),
        close: record('close', fh.close.bind(fh)),
      });
    },
    rename: async (from: string, to: string) => {
      steps.push(`rename ${name(from)} -> ${name(to)}`);
      return fs.rename(from, to);
    },
    unlink: async (path: string) => {
      steps.push(`unlink ${name(path)}`);
      return fs.unlink(path);
    },
  };
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-cp-durable-'));
  steps.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cp = (id: number) => ({
  id,
  createdAt: '2025-01-01T00:00:00.000Z',
  generation: 0,
  sources: {},
  operators: {},
});

describe('CheckpointStore durability', () => {
  it('checkpoint store — write is temp, fsync, close, rename, directory fsync, then pruning', async () => {
    const store = new CheckpointStore(dir, { keep: 1 });
    await store.write(cp(1));
    steps.length = 0;
    await store.write(cp(2));
    const dirName = basename(dir);
    const tmp = 'checkpoint-00000000000000000002.json.<rand>.tmp';
    expect(steps).toEqual([
      `write ${tmp}`,
      `fsync ${tmp}`,
      `close ${tmp}`,
      `rename ${tmp} -> checkpoint-00000000000000000002.json`,
      `fsync ${dirName}`,
      `close ${dirName}`,
      'unlink checkpoint-00000000000000000001.json',
    ]);
  });
});
