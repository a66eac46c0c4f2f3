import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBenchmark } from '../../src/harness/run-benchmark.js';
import { type RedisCluster, redisCli, startCluster, startTlsRedis, type TlsRedis } from '../support/redis.js';

/** The same benchmark against a 6-node cluster (3 masters, 3 replicas) and a TLS-only server. */

let cluster: RedisCluster;
let tls: TlsRedis;

beforeAll(async () => {
  [cluster, tls] = await Promise.all([startCluster({ masters: 3, replicasPerMaster: 1 }), startTlsRedis()]);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await tls?.stop();
});

async function keysOnMasters(prefix: string): Promise<string[]> {
  const masters = await cluster.masters();
  const keys: string[] = [];
  for (const m of masters) {
    const out = await redisCli({ host: '127.0.0.1', port: m.port }, ['--scan', '--pattern', `${prefix}*`]);
    keys.push(...out.stdout.split('\n').filter((l) => l !== ''));
  }
  return keys;
}

describe('runBenchmark — cluster and TLS', () => {
  it('bench — one cluster node given: the cluster is found, every master reports INFO, verify and cleanup span them', async () => {
    for (const target of ['hash', 'list', 'counter'] as const) {
      const report = await runBenchmark({
        redis: { url: `redis://${cluster.addresses[0]}` },
        target,
        rows: 4_000,
        keys: 300,
        batchSize: 200,
        verify: true,
      });
      expect(report.settings.topology).toBe('cluster');
      expect(report.rowsAcked).toBe(4_000);
      expect(report.redis.map((n) => n.node).sort()).toEqual(
        (await cluster.masters()).map((m) => `${m.host}:${m.port}`).sort(),
      );
      expect(report.verify).toEqual({ ok: true, checked: expect.any(Number), problems: [] });
      expect(await keysOnMasters(report.settings.keyPrefix)).toEqual([]);
    }
  });

  it('bench — exactly-once on a cluster: fences per slot, verify matches, fences deleted', async () => {
    const report = await runBenchmark({
      redis: { url: cluster.addresses.map((a) => `redis://${a}`).join(',') },
      target: 'stream',
      guarantee: 'exactly-once',
      rows: 3_000,
      keys: 100,
      batchSize: 300,
      verify: true,
    });
    expect(report.verify?.ok).toBe(true);
    expect(await keysOnMasters(`laminar:fence:`)).toEqual([]);
  });

  it('bench — a refusal on a cluster finds a key on any master', async () => {
    const masters = await cluster.masters();
    const last = masters[masters.length - 1];
    // A key that hashes to the last master: ask it which keys it serves.
    let key = '';
    for (let i = 0; key === ''; i++) {
      const owner = await cluster.ownerOf(`bench:taken:${i}`);
      if (owner.port === last.port) key = `bench:taken:${i}`;
    }
    await redisCli({ host: '127.0.0.1', port: last.port }, ['SET', key, 'x']);
    await expect(
      runBenchmark({ redis: { url: `redis://${cluster.addresses[0]}` }, runId: 'taken', rows: 10 }),
    ).rejects.toMatchObject({ code: 'ERR_BENCH_PREFIX_IN_USE', key });
  });

  it('bench — TLS with the server CA given: writes, verifies, cleans up', async () => {
    const report = await runBenchmark({
      redis: { url: tls.server.url, tlsCa: tls.ca.toString() },
      target: 'sorted_set',
      rows: 2_000,
      keys: 50,
      verify: true,
    });
    expect(tls.server.url.startsWith('rediss://')).toBe(true);
    expect(report.rowsAcked).toBe(2_000);
    expect(report.verify?.ok).toBe(true);
  });

  it('bench — TLS without the CA fails to connect with the TLS code', async () => {
    await expect(runBenchmark({ redis: { url: tls.server.url }, rows: 10 })).rejects.toMatchObject({
      code: 'ERR_TLS_UNKNOWN_CA',
    });
  });
});
