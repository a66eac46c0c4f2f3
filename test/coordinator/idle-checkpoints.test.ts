import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cli/runtime.js';
import { Producer } from '../../src/producer/producer.js';
import { scrapeValue } from '../support/metrics.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { listTables, runtimeWithTables } from '../support/runtime.js';
import { recordingLogger } from '../support/sink.js';
import { until } from '../support/until.js';

/**
 * An idle table's checkpoints complete every interval, but one that records nothing new (the same
 * positions, the same owners) is not written again: no file, no fsync.
 */

let redis: RedisServer;
let dir: string;
let rt: Runtime;

beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'laminar-idle-'));
  rt = await runtimeWithTables({
    dataDir: join(dir, 'data'),
    redisUrl: redis.url,
    workers: 1,
    logger: recordingLogger().logger,
    tables: listTables({ idle_table: { prefix: 'idle:', shards: 2 } }),
    checkpointIntervalMs: 50,
  });
});

afterAll(async () => {
  await rt?.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('idle table checkpoints', () => {
  it('idle — checkpoints that record nothing new are not written; new rows are', async () => {
    const table = await rt.coordinator.plane.getTable('idle_table');
    const cpDir = join(dir, 'data', 'tables', table.id);
    const files = async () =>
      (await readdir(cpDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
    const completed = async () =>
      (await scrapeValue('laminar_checkpoints_total', { job: 'idle_table', outcome: 'completed' })) ?? 0;
    const first = await until('the first checkpoint file', files, (f) => f.length > 0);
    const base = await completed();
    await until('ten more checkpoints completed', completed, (n) => n >= base + 10);
    expect(await files()).toEqual(first);

    const p = new Producer({ coordinator: rt.grpcAddress, table: 'idle_table' });
    try {
      await p.write([{ k: 'a', i: 1 }]);
      await p.flush();
    } finally {
      await p.close();
    }
    const after = await files();
    expect(after).not.toEqual(first);
    const settled = await completed();
    await until('ten more idle checkpoints', completed, (n) => n >= settled + 10);
    expect(await files()).toEqual(after);
  }, 60_000);
});
