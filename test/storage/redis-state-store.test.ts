import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitChunks } from '../../src/storage/checkpoint-chunks.js';
import type { Checkpoint } from '../../src/storage/checkpoint-store.js';
import { openStateStore } from '../../src/storage/open-state-store.js';
import type { RedisStateStore } from '../../src/storage/redis-state-store.js';
import { type RedisCluster, type RedisServer, redisCli, startCluster, startRedis } from '../support/redis.js';

function checkpoint(id: number, generation: number, state: unknown = {}): Checkpoint {
  return {
    id,
    jobId: 'j',
    createdAt: new Date(0).toISOString(),
    generation,
    sources: { 'src/0': id * 10 },
    operators: { shards: { s0: state } },
  };
}

/** A store name per test, so tests share servers without sharing state. */
let names = 0;
const fresh = () => `t${process.pid}-${names++}`;

interface Target {
  url: () => string;
  /** A raw command through redis-cli (following redirections on a cluster). */
  raw: (...args: string[]) => Promise<string>;
  /** Every key matching `pattern`, on every master. */
  scan: (pattern: string) => Promise<string[]>;
}

const lines = (out: string) => out.split('\n').filter((k) => k !== '');

const standalone: { server?: RedisServer } = {};
const cluster: { c?: RedisCluster } = {};

beforeAll(async () => {
  [standalone.server, cluster.c] = await Promise.all([
    startRedis(),
    startCluster({ masters: 3, replicasPerMaster: 0 }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([standalone.server?.stop(), cluster.c?.stop()]);
});

const targets: Array<[string, Target]> = [
  [
    'standalone',
    {
      url: () => standalone.server!.url,
      raw: async (...args) => {
        const s = standalone.server!;
        return (await redisCli(s, args)).stdout.trim();
      },
      scan: async (pattern) =>
        lines((await redisCli(standalone.server!, ['--scan', '--pattern', pattern])).stdout),
    },
  ],
  [
    '3-master cluster',
    {
      url: () => `redis://${cluster.c!.addresses[0]}`,
      raw: async (...args) => {
        const [host, port] = cluster.c!.addresses[0].split(':');
        return (await redisCli({ host, port: Number(port) }, ['-c', ...args])).stdout.trim();
      },
      scan: async (pattern) => {
        const masters = await cluster.c!.masters();
        const found = await Promise.all(
          masters.map(async (m) => lines((await redisCli(m, ['--scan', '--pattern', pattern])).stdout)),
        );
        return found.flat();
      },
    },
  ],
];

describe.each(targets)('redis state store on %s', (_label, target) => {
  const open = (name: string, chunkBytes?: number) =>
    openStateStore(`${target.url()}?store=${name}`, { chunkBytes }) as Promise<RedisStateStore>;

  it('state store — an empty store gets a format version and an id, kept when reopened', async () => {
    const name = fresh();
    const a = await open(name);
    const b = await open(name);
    try {
      expect(a.kind).toBe('redis');
      expect(a.id).toMatch(/^[0-9a-f]{32}$/);
      expect(b.id).toBe(a.id);
      expect(await target.raw('GET', `{laminar-state:${name}}:format`)).toBe('1');
      const other = await open(fresh());
      expect(other.id).not.toBe(a.id);
      await other.close();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('checkpoints — a large state is written in chunks and read back whole; keep prunes the rest', async () => {
    const name = fresh();
    const store = await open(name, 100);
    try {
      const job = store.job('pipelines/pl_big', { keep: 2 });
      const big = 'x'.repeat(5_000);
      for (let id = 0; id < 4; id++) await job.write(checkpoint(id, 1, { big, id }));
      expect(await job.list()).toEqual([2, 3]);
      expect(await job.latest()).toEqual(checkpoint(3, 1, { big, id: 3 }));
      expect(await job.nextId()).toBe(4);
      // Only the chunks of the two kept checkpoints are left (each more than 50 chunks).
      const keys = await target.scan(`{laminar-state:${name}}:job:*:chunk:*`);
      const perCheckpoint = Math.ceil(
        Buffer.byteLength(JSON.stringify(checkpoint(3, 1, { big, id: 3 }))) / 100,
      );
      expect(keys.length).toBeGreaterThanOrEqual(2 * perCheckpoint);
      expect(keys.length).toBeLessThanOrEqual(2 * (perCheckpoint + 2));
    } finally {
      await store.close();
    }
  });

  it('checkpoints — an id not above the latest is refused', async () => {
    const store = await open(fresh());
    try {
      const job = store.job('tables/tbl_a');
      await job.write(checkpoint(5, 1));
      await expect(job.write(checkpoint(5, 1))).rejects.toMatchObject({
        code: 'ERR_CHECKPOINT_ID_NOT_INCREASING',
      });
      await expect(job.write(checkpoint(3, 1))).rejects.toMatchObject({
        code: 'ERR_CHECKPOINT_ID_NOT_INCREASING',
      });
      expect((await job.latest())?.id).toBe(5);
    } finally {
      await store.close();
    }
  });

  it('generations — raised durably; a write of a superseded generation is refused and nothing changes', async () => {
    const store = await open(fresh());
    try {
      const job = store.job('pipelines/pl_g');
      expect(await job.readGeneration()).toBe(0);
      const g1 = await job.raiseGeneration(1);
      expect(g1).toBe(1);
      await job.write(checkpoint(0, g1), { generation: g1 });
      const g2 = await job.raiseGeneration(5);
      expect(g2).toBe(5);
      await expect(job.write(checkpoint(1, g1), { generation: g1 })).rejects.toMatchObject({
        code: 'ERR_STATE_FENCED',
        expected: 1,
        current: 5,
      });
      expect(await job.list()).toEqual([0]);
      await job.write(checkpoint(1, g2), { generation: g2 });
      expect((await job.latest())?.generation).toBe(5);
      const id = await job.identity();
      expect(await job.identity()).toBe(id);
    } finally {
      await store.close();
    }
  });

  it('lease — one holder; it renews only while it holds it; release lets another take it with a higher epoch', async () => {
    const name = fresh();
    const a = await open(name);
    const b = await open(name);
    try {
      const grant = await a.lease.acquire(10_000);
      expect(grant?.epoch).toBe(1);
      expect(await b.lease.acquire(10_000)).toBeNull();
      expect(await a.lease.renew(grant!, 10_000)).toBe(true);
      await a.lease.release(grant!);
      const next = await b.lease.acquire(10_000);
      expect(next?.epoch).toBe(2);
      expect(await a.lease.renew(grant!, 10_000)).toBe(false);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("lease holder — the holder's advertised addresses beside its lease, for its epoch only; none once released", async () => {
    const name = fresh();
    const a = await open(name);
    const b = await open(name);
    try {
      expect(await b.lease.holder()).toBeNull();
      const grant = await a.lease.acquire(10_000, { grpc: '10.0.0.1:9190', http: '10.0.0.1:8000' });
      expect(await b.lease.holder()).toEqual({ epoch: 1, grpc: '10.0.0.1:9190', http: '10.0.0.1:8000' });
      // Renewals carry new addresses in the same fenced step.
      expect(await a.lease.renew(grant!, 10_000, { grpc: '[::1]:9191' })).toBe(true);
      expect(await b.lease.holder()).toEqual({ epoch: 1, grpc: '[::1]:9191' });
      // Addresses only: nothing else is accepted into the record.
      await expect(a.lease.renew(grant!, 10_000, { grpc: 'http://user:secret@h:1' })).rejects.toMatchObject({
        code: 'ERR_STATE_URL',
      });
      expect(await target.raw('GET', `{laminar-state:${name}}:leader`)).not.toContain('secret');
      await a.lease.release(grant!);
      expect(await b.lease.holder()).toBeNull();
      // A holder that advertises nothing is named by its epoch alone, never by its predecessor's record.
      const next = await b.lease.acquire(10_000);
      expect(await a.lease.holder()).toEqual({ epoch: next!.epoch });
      // A stale holder's renewal cannot write a record either.
      expect(await a.lease.renew(grant!, 10_000, { grpc: '10.0.0.9:1' })).toBe(false);
      expect(await a.lease.holder()).toEqual({ epoch: next!.epoch });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('epoch fence — a leader paused past its lease has its late writes refused; its successor’s state stays', async () => {
    const name = fresh();
    const old = await open(name);
    const successor = await open(name);
    try {
      const oldGrant = await old.lease.acquire(300);
      expect(oldGrant).not.toBeNull();
      await old.metadata.write('{"by":"old"}');
      await old.job('tables/t1').write(checkpoint(0, 1));
      // The old leader stops renewing (it is paused); its lease lapses and the successor takes over.
      let next = await successor.lease.acquire(10_000);
      while (next === null) {
        await new Promise((r) => setTimeout(r, 50));
        next = await successor.lease.acquire(10_000);
      }
      expect(next.epoch).toBe(oldGrant!.epoch + 1);
      await successor.metadata.write('{"by":"successor"}');
      await successor.job('tables/t1').write(checkpoint(1, 1));
      // The old leader resumes: every write it makes is refused, nothing of the successor's is lost.
      expect(await old.lease.renew(oldGrant!, 300)).toBe(false);
      await expect(old.metadata.write('{"by":"old, late"}')).rejects.toMatchObject({
        code: 'ERR_STATE_FENCED',
        scope: 'store',
        expected: oldGrant!.epoch,
        current: next.epoch,
      });
      await expect(old.job('tables/t1').write(checkpoint(2, 1))).rejects.toMatchObject({
        code: 'ERR_STATE_FENCED',
      });
      expect(await successor.metadata.read()).toBe('{"by":"successor"}');
      expect((await successor.job('tables/t1').latest())?.id).toBe(1);
    } finally {
      await Promise.all([old.close(), successor.close()]);
    }
  });

  it('format version — a store written by a newer format is refused with a clear error, nothing overwritten', async () => {
    const name = fresh();
    const store = await open(name);
    try {
      await store.metadata.write('{"v":1}');
      await store.job('tables/t').write(checkpoint(0, 1));
      await target.raw('SET', `{laminar-state:${name}}:format`, '2');
      await expect(open(name)).rejects.toMatchObject({ code: 'ERR_STATE_VERSION', found: '2', supported: 1 });
      await expect(store.metadata.write('{"v":"overwritten"}')).rejects.toMatchObject({
        code: 'ERR_STATE_VERSION',
      });
      await expect(store.job('tables/t').write(checkpoint(1, 1))).rejects.toMatchObject({
        code: 'ERR_STATE_VERSION',
      });
      await expect(store.job('tables/t').raiseGeneration()).rejects.toMatchObject({
        code: 'ERR_STATE_VERSION',
      });
      expect(await target.raw('GET', `{laminar-state:${name}}:meta`)).toBe('{"v":1}');
      expect(await target.raw('GET', `{laminar-state:${name}}:format`)).toBe('2');
      expect(await store.job('tables/t').list()).toEqual([0]);
    } finally {
      await store.close();
    }
  });

  it('key layout — every key of a store hashes to one slot', async () => {
    const name = fresh();
    const store = await open(name, 64);
    try {
      await store.lease.acquire(10_000);
      await store.metadata.write('{}');
      await store.job('pipelines/p').write(checkpoint(0, 0, { s: 'y'.repeat(500) }));
      await store.job('pipelines/p').raiseGeneration();
      const keys = await target.scan(`{laminar-state:${name}}*`);
      expect(keys.length).toBeGreaterThan(8);
      const slots = new Set(await Promise.all(keys.map((k) => target.raw('CLUSTER', 'KEYSLOT', k))));
      expect(slots.size).toBe(1);
    } finally {
      await store.close();
    }
  });
});

describe('redis state store — durability and secrets', () => {
  it('AOF restart — after redis-server is killed and restarted, no state is lost', async () => {
    const server = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    try {
      const url = `${server.url}?store=aof`;
      const store = await openStateStore(url, { chunkBytes: 50 });
      const grant = await store.lease.acquire(60_000);
      await store.metadata.write('{"tables":["t"]}');
      const job = store.job('pipelines/p');
      const generation = await job.raiseGeneration();
      await job.write(checkpoint(0, generation, { n: 'z'.repeat(400) }), { generation });
      await job.write(checkpoint(1, generation, { n: 'w'.repeat(400) }), { generation });
      const id = store.id;
      await store.close();
      server.kill('SIGKILL');
      await server.restart();
      const again = await openStateStore(url);
      try {
        expect(again.id).toBe(id);
        expect(await again.metadata.read()).toBe('{"tables":["t"]}');
        expect(await again.job('pipelines/p').readGeneration()).toBe(generation);
        expect(await again.job('pipelines/p').latest()).toEqual(
          checkpoint(1, generation, { n: 'w'.repeat(400) }),
        );
        // The lease outlived the restart too: a second holder cannot take it.
        expect(await again.lease.acquire(1_000)).toBeNull();
        expect(grant?.epoch).toBe(1);
      } finally {
        await again.close();
      }
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('secrets — a refused password is not in the error, and the store shows its URL redacted', async () => {
    const server = await startRedis({ config: 'requirepass s3cret-pw\n' });
    try {
      const err = await openStateStore(`redis://:wrong-pw@127.0.0.1:${server.port}`).catch((e: Error) => e);
      expect(err).toMatchObject({ code: 'ERR_STATE_IO' });
      expect(JSON.stringify({ m: (err as Error).message, c: String((err as Error).cause) })).not.toContain(
        'wrong-pw',
      );
      const store = await openStateStore(`redis://:{{ STATE_PW }}@127.0.0.1:${server.port}?store=x`, {
        env: { STATE_PW: 's3cret-pw' },
      });
      try {
        expect(store.where).not.toContain('s3cret-pw');
        expect(store.where).toContain('store x');
      } finally {
        await store.close();
      }
      await expect(
        openStateStore(`redis://:{{ NOT_SET_PW }}@127.0.0.1:${server.port}`, { env: {} }),
      ).rejects.toMatchObject({
        code: 'ERR_STATE_URL',
      });
    } finally {
      await server.stop();
    }
  });

  it('location — an unknown scheme or store name is refused without echoing the value', async () => {
    const bad = await openStateStore('postgres://user:pw@host/db').catch((e: Error) => e);
    expect(bad).toMatchObject({ code: 'ERR_STATE_URL' });
    expect((bad as Error).message).not.toContain('pw');
    await expect(openStateStore('redis://127.0.0.1:1?store=a{b}')).rejects.toMatchObject({
      code: 'ERR_STATE_URL',
    });
  });

  it('chunks — any bytes split at any size join back to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), fc.integer({ min: 1, max: 300 }), (bytes, size) => {
        const chunks = splitChunks(Buffer.from(bytes), size);
        expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true);
        expect(chunks.every((c) => c.length <= size)).toBe(true);
      }),
    );
  });
});
