import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SentinelGroup, startSentinelGroup } from '../../src/dev/redis-sentinel.js';
import { runBenchmark } from '../../src/harness/run-benchmark.js';
import { redisCli } from '../support/redis.js';

/** `--redis` as Sentinels with `--sentinel-master`: the benchmark writes to the primary they name. */

let group: SentinelGroup;

beforeAll(async () => {
  group = await startSentinelGroup({ sentinels: 1, replicas: 0 });
}, 60_000);

afterAll(async () => {
  await group?.stop();
});

describe('runBenchmark — Sentinel', () => {
  it('bench — writes to the primary the Sentinels name; INFO of that primary; verify and cleanup', async () => {
    const report = await runBenchmark({
      redis: { url: group.sentinelUrls.join(','), sentinelMaster: group.masterName },
      target: 'list',
      rows: 2_000,
      keys: 40,
      verify: true,
    });
    expect(report.settings.topology).toBe('sentinel');
    expect(report.settings.redis).toContain(`(master ${group.masterName})`);
    expect(report.redis.map((n) => n.node)).toEqual([`sentinel:${group.masterName}`]);
    expect(report.verify?.ok).toBe(true);
    const [host, port] = (await group.primaryAddress()).split(':');
    const left = await redisCli({ host, port: Number(port) }, [
      '--scan',
      '--pattern',
      `${report.settings.keyPrefix}*`,
    ]);
    expect(left.stdout.trim()).toBe('');
  });
});
