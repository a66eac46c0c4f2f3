import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchTarget } from '../../src/harness/bench-report.js';
import { runBenchmark } from '../../src/harness/run-benchmark.js';
import { type RedisServer, redisCli, startAclRedis, startRedis } from '../support/redis.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const keysUnder = async (prefix: string) =>
  (await redisCli(redis, ['--scan', '--pattern', `${prefix}*`])).stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '');

describe('runBenchmark — standalone', () => {
  const TARGETS: BenchTarget[] = [
    'string',
    'list',
    'hash',
    'hash_columns',
    'set',
    'sorted_set',
    'counter',
    'hash_counter',
    'stream',
  ];
  for (const target of TARGETS) {
    it(`bench — ${target}: every row acknowledged, verify matches, keys deleted`, async () => {
      const report = await runBenchmark({
        redis: { url: redis.url },
        target,
        rows: 3_000,
        keys: 50,
        batchSize: 200,
        verify: true,
      });
      expect(report.rowsSent).toBe(3_000);
      expect(report.rowsAcked).toBe(3_000);
      expect(report.latency.count).toBe(3_000);
      expect(report.errors).toEqual({});
      expect(report.verify).toEqual({ ok: true, checked: expect.any(Number), problems: [] });
      expect(report.verify!.checked).toBeGreaterThan(0);
      expect(report.cleanedUp).toBe(true);
      expect(await keysUnder(report.settings.keyPrefix)).toEqual([]);
      expect(report.settings.topology).toBe('standalone');
      expect(report.redis).toHaveLength(1);
    });
  }
});

describe('runBenchmark — pub/sub', () => {
  it('bench — pubsub publishes every row and leaves no key; verify is refused up front', async () => {
    const report = await runBenchmark({ redis: { url: redis.url }, target: 'pubsub', rows: 2_000, keys: 10 });
    expect(report.rowsAcked).toBe(2_000);
    expect(report.errors).toEqual({});
    expect(await keysUnder(report.settings.keyPrefix)).toEqual([]);
    await expect(
      runBenchmark({ redis: { url: redis.url }, target: 'pubsub', rows: 10, verify: true }),
    ).rejects.toMatchObject({ code: 'ERR_BENCH_OPTIONS', option: 'verify' });
  });
});

describe('runBenchmark — workload options', () => {
  it('bench — verify catches a row deleted before the read-back (the beforeVerify test hook)', async () => {
    const report = await runBenchmark({
      redis: { url: redis.url },
      target: 'list',
      rows: 2_000,
      keys: 20,
      batchSize: 100,
      verify: true,
      beforeVerify: async (r) => {
        await r.send(['RPOP', `${r.keyPrefix}k3`]);
      },
    });
    expect(report.rowsAcked).toBe(2_000);
    expect(report.verify?.ok).toBe(false);
    expect(report.verify?.problems.some((p) => p.startsWith(`${report.settings.keyPrefix}k3: `))).toBe(true);
    expect(await keysUnder(report.settings.keyPrefix)).toEqual([]);
  });

  it('bench — verify catches a lost increment of a counter', async () => {
    const report = await runBenchmark({
      redis: { url: redis.url },
      target: 'counter',
      rows: 1_000,
      keys: 5,
      verify: true,
      beforeVerify: async (r) => {
        await r.send(['DECRBY', `${r.keyPrefix}k0`, 1]);
      },
    });
    expect(report.verify?.ok).toBe(false);
    expect(report.verify?.problems).toEqual([expect.stringMatching(/k0: counter is \d+, expected \d+$/)]);
  });

  it('bench — open loop at a fixed rate, bounded by time: every row sent is acknowledged and measured', async () => {
    const report = await runBenchmark({
      redis: { url: redis.url },
      target: 'hash',
      shape: 'nested',
      durationMs: 600,
      rate: 5_000,
      skew: 1.1,
      keys: 1_000,
      batchSize: 100,
      intervalMs: 200,
      verify: true,
    });
    expect(report.settings.rate).toBe(5_000);
    expect(report.settings.rows).toBeNull();
    expect(report.rowsSent).toBeGreaterThan(0);
    // The rate bounds what is sent: at most the rows due within the duration, and one batch.
    expect(report.rowsSent).toBeLessThanOrEqual(5_000 * 0.6 + 100);
    expect(report.rowsAcked).toBe(report.rowsSent);
    expect(report.latency.count).toBe(report.rowsSent);
    expect(report.intervals.length).toBeGreaterThan(0);
    expect(report.verify?.ok).toBe(true);
  });

  it('bench — progress reaches onInterval, and an aborted run reports what was acknowledged', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const report = await runBenchmark({
      redis: { url: redis.url },
      durationMs: 60_000,
      intervalMs: 50,
      signal: ac.signal,
      onInterval: (p) => {
        seen.push(p.rowsAcked);
        if (seen.length === 3) ac.abort();
      },
    });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(report.rowsAcked).toBe(report.rowsSent);
    expect(report.rowsAcked).toBeGreaterThanOrEqual(seen[2]);
    expect(await keysUnder(report.settings.keyPrefix)).toEqual([]);
  });

  it('bench — exactly-once writes through the fences; verify matches and the fence is deleted too', async () => {
    for (const target of ['counter', 'stream'] as const) {
      const report = await runBenchmark({
        redis: { url: redis.url },
        target,
        guarantee: 'exactly-once',
        rows: 2_000,
        keys: 30,
        batchSize: 250,
        verify: true,
      });
      expect(report.settings.guarantee).toBe('exactly-once');
      expect(report.verify?.ok).toBe(true);
      const fences = (await redisCli(redis, ['--scan', '--pattern', `laminar:fence:*bench_${report.runId}`]))
        .stdout;
      expect(fences.trim()).toBe('');
    }
  });

  it('bench — a JSON-lines sample file is replayed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'laminar-bench-'));
    try {
      const file = join(dir, 'sample.jsonl');
      await writeFile(file, '{"user":"ada","cart":{"items":3}}\n{"user":"bob","cart":{"items":1}}\n');
      const report = await runBenchmark({
        redis: { url: redis.url },
        target: 'string',
        shape: 'file',
        sampleFile: file,
        rows: 500,
        keys: 500,
        verify: true,
        keep: true,
      });
      expect(report.verify?.ok).toBe(true);
      const [key] = await keysUnder(report.settings.keyPrefix);
      const value = JSON.parse((await redisCli(redis, ['GET', key])).stdout) as Record<string, unknown>;
      expect(value.cart).toEqual({ items: expect.any(Number) });
      expect(value.bench_key).toBe(key.slice(report.settings.keyPrefix.length));
      await redisCli(redis, [
        'EVAL',
        "for _,k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end",
        '0',
        `${report.settings.keyPrefix}*`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('bench — a non-empty prefix is refused and left as it was', async () => {
    await redisCli(redis, ['SET', 'bench:busy:x', '1']);
    await expect(runBenchmark({ redis: { url: redis.url }, runId: 'busy', rows: 10 })).rejects.toMatchObject({
      code: 'ERR_BENCH_PREFIX_IN_USE',
      key: 'bench:busy:x',
    });
    expect(await keysUnder('bench:busy:')).toEqual(['bench:busy:x']);
  });

  it('bench — options are checked before connecting', async () => {
    const redisOpt = { url: 'redis://127.0.0.1:1' };
    await expect(runBenchmark({ redis: redisOpt, rows: 0 })).rejects.toMatchObject({
      code: 'ERR_BENCH_OPTIONS',
      option: 'rows',
    });
    await expect(runBenchmark({ redis: redisOpt, shape: 'file' })).rejects.toMatchObject({
      option: 'sampleFile',
    });
    await expect(runBenchmark({ redis: redisOpt, runId: 'Bad Id' })).rejects.toMatchObject({
      option: 'runId',
    });
    await expect(runBenchmark({ redis: redisOpt, rate: -1 })).rejects.toMatchObject({ option: 'rate' });
  });
});

describe('runBenchmark — a write Redis refuses', () => {
  it('bench — the failure stops the run and is counted by its code; onError gets it; no password in the report', async () => {
    const acl = await startAclRedis({ config: 'user noset on >noset-pass-123 ~* &* +@all -set' });
    try {
      let seen: unknown = null;
      const report = await runBenchmark({
        redis: { url: `redis://noset:noset-pass-123@127.0.0.1:${acl.server.port}` },
        target: 'string',
        rows: 5_000,
        batchSize: 500,
        onError: (err) => {
          seen = err;
        },
      });
      expect(report.errors).toEqual({ ERR_SINK_WRITE: 1 });
      expect(seen).toMatchObject({ code: 'ERR_SINK_WRITE' });
      expect(report.rowsAcked).toBeLessThan(5_000);
      expect(report.verify).toBeNull();
      expect(JSON.stringify(report)).not.toContain('noset-pass-123');
    } finally {
      await acl.server.stop();
    }
  });
});

describe('runBenchmark — a CREATE TABLE file names the Redis', () => {
  it("bench — the statement's connection is used; the harness's own table is written", async () => {
    const sql = `CREATE TABLE sessions (id TEXT, v TEXT) WITH (
      connector = 'redis', type = 'sink', format = 'json',
      address = '${redis.url}', target = 'string', 'sink.key_prefix' = 'mine:', 'sink.key_column' = 'id'
    )`;
    const report = await runBenchmark({ redis: { sql }, target: 'set', rows: 1_000, keys: 20, verify: true });
    expect(report.settings.redis).toBe(redis.url);
    expect(report.settings.target).toBe('set');
    expect(report.verify?.ok).toBe(true);
    expect(await keysUnder('mine:')).toEqual([]);
  });
});

describe('runBenchmark — a server that refuses INFO', () => {
  it('bench — the run goes on without Redis-side figures', async () => {
    const acl = await startAclRedis({ config: 'user noinfo on >noinfo-pass-123 ~* &* +@all -info' });
    try {
      const report = await runBenchmark({
        redis: { url: `redis://noinfo:noinfo-pass-123@127.0.0.1:${acl.server.port}` },
        target: 'hash',
        rows: 1_000,
        verify: true,
      });
      expect(report.redis).toEqual([]);
      expect(report.rowsAcked).toBe(1_000);
      expect(report.verify?.ok).toBe(true);
    } finally {
      await acl.server.stop();
    }
  });
});
