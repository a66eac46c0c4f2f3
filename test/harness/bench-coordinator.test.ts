import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../src/cli/runtime.js';
import { runBenchmark } from '../../src/harness/run-benchmark.js';
import { type RedisServer, redisCli, startRedis } from '../support/redis.js';

/**
 * Coordinator mode: the harness talks to a running coordinator only through its gRPC API and the
 * Producer; the test starts the runtime (a coordinator and two embedded workers).
 */

let redis: RedisServer;
let rt: Runtime;
const TOKEN = 'bench-test-token-0123456789';

beforeAll(async () => {
  redis = await startRedis();
  rt = await startRuntime({ temporaryDataDir: true, workers: 2, checkpointIntervalMs: 100, token: TOKEN });
}, 60_000);

afterAll(async () => {
  await rt?.stop();
  await redis?.stop();
});

describe('runBenchmark — coordinator mode', () => {
  it('bench — rows go through the producer to two workers; verify matches; table, profile and keys are gone after', async () => {
    const report = await runBenchmark({
      redis: { url: redis.url },
      coordinator: { address: rt.grpcAddress, token: TOKEN, shards: 4 },
      target: 'hash',
      rows: 5_000,
      keys: 200,
      batchSize: 500,
      verify: true,
    });
    expect(report.settings.mode).toBe('coordinator');
    expect(report.rowsAcked).toBe(5_000);
    expect(report.latency.count).toBe(5_000);
    expect(report.errors).toEqual({});
    expect(report.verify).toEqual({ ok: true, checked: expect.any(Number), problems: [] });
    const keys = await redisCli(redis, ['--scan', '--pattern', `${report.settings.keyPrefix}*`]);
    expect(keys.stdout.trim()).toBe('');
    const plane = rt.coordinator.plane;
    expect((await plane.listTables()).map((t: { name: string }) => t.name)).not.toContain(
      `bench_${report.runId}`,
    );
  });

  it('bench — exactly-once through the coordinator: counters add each row once', async () => {
    const report = await runBenchmark({
      redis: { url: redis.url },
      coordinator: { address: rt.grpcAddress, token: TOKEN },
      target: 'counter',
      guarantee: 'exactly-once',
      rows: 3_000,
      keys: 40,
      verify: true,
    });
    expect(report.verify?.ok).toBe(true);
  });

  it('bench — a wrong token is ERR_BENCH_COORDINATOR and nothing is written', async () => {
    await expect(
      runBenchmark({
        redis: { url: redis.url },
        coordinator: { address: rt.grpcAddress, token: 'wrong-token-000000000000' },
        runId: 'denied',
        rows: 100,
      }),
    ).rejects.toMatchObject({ code: 'ERR_BENCH_COORDINATOR', call: 'createConnectionProfile' });
    expect((await redisCli(redis, ['--scan', '--pattern', 'bench:denied:*'])).stdout.trim()).toBe('');
  });
});
