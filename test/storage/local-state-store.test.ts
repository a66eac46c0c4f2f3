import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../src/storage/checkpoint-store.js';
import { LocalStateStore } from '../../src/storage/local-state-store.js';
import { openStateStore } from '../../src/storage/open-state-store.js';

const cp = (id: number, generation: number): Checkpoint => ({
  id,
  createdAt: new Date(0).toISOString(),
  generation,
  sources: { p: id },
  operators: {},
});

describe('local state store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'laminar-local-state-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('local state store — a directory keeps its layout: metadata.json, tables/<id>/, an id made once', async () => {
    const store = await openStateStore(join(dir, 'data'));
    expect(store.kind).toBe('local');
    expect(store.id).toMatch(/^[0-9a-f]{32}$/);
    expect((await openStateStore(join(dir, 'data'))).id).toBe(store.id);
    expect(await store.metadata.read()).toBeUndefined();
    await store.metadata.write('{"x":1}\n');
    expect(await readFile(join(dir, 'data', 'metadata.json'), 'utf8')).toBe('{"x":1}\n');
    const job = store.job('tables/tbl_a', { keep: 2 });
    const g = await job.raiseGeneration();
    for (let id = 0; id < 3; id++) await job.write(cp(id, g), { generation: g });
    expect(await job.list()).toEqual([1, 2]);
    expect((await job.latest())?.id).toBe(2);
    expect(existsSync(join(dir, 'data', 'tables', 'tbl_a', 'generation'))).toBe(true);
    expect(await job.identity()).toBe(await job.identity());
  });

  it('local state store — its lease is the directory lock; each take raises the epoch', async () => {
    const a = await LocalStateStore.open(join(dir, 'data'));
    const b = await LocalStateStore.open(join(dir, 'data'));
    const first = await a.lease.acquire(10_000);
    expect(first?.epoch).toBe(1);
    await expect(b.lease.acquire(10_000)).rejects.toMatchObject({ code: 'ERR_DATA_DIR_LOCKED' });
    expect(await a.lease.renew(first!, 10_000)).toBe(true);
    await a.lease.release(first!);
    const second = await b.lease.acquire(10_000);
    expect(second?.epoch).toBe(2);
    await b.lease.release(second!);
  });

  it("local state store — the lock holder's advertised addresses are read back with its epoch", async () => {
    const a = await LocalStateStore.open(join(dir, 'data'));
    expect(await a.lease.holder()).toBeNull();
    const grant = await a.lease.acquire(10_000, { http: '127.0.0.1:8000' });
    expect(await a.lease.holder()).toEqual({ epoch: 1, http: '127.0.0.1:8000' });
    expect(await a.lease.renew(grant!, 10_000, { grpc: '127.0.0.1:9190', http: '127.0.0.1:8000' })).toBe(
      true,
    );
    expect(await a.lease.holder()).toEqual({ epoch: 1, grpc: '127.0.0.1:9190', http: '127.0.0.1:8000' });
    await a.lease.release(grant!);
    expect(await a.lease.holder()).toBeNull();
    expect(existsSync(join(dir, 'data', 'leader'))).toBe(false);
  });
});
