import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchTarget } from '../../src/harness/bench-report.js';
import { runBenchmark } from '../../src/harness/run-benchmark.js';
import { type RedisServer, redisCli, startRedis } from '../support/redis.js';

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
