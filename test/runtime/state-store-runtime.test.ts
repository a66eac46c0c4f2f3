import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime } from '../../src/cli/runtime.js';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { recordingLogger } from '../support/sink.js';
import { until } from '../support/until.js';

/** `startRuntime({ state })`: embedded workers checkpoint pipelines into the Redis state store. */
describe('runtime — Redis state store, embedded workers', () => {
  let redis: RedisServer;
  let client: RedisClient;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    client = await createClient(redis.url);
    dir = await mkdtemp(join(tmpdir(), 'laminar-rt-state-'));
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('state store — a pipeline runs to its end with its checkpoints in Redis, none on disk', async () => {
    const rt = await startRuntime({
      dataDir: join(dir, 'data'),
      state: `${redis.url}?store=embedded`,
      workers: 1,
      checkpointIntervalMs: 100,
      logger: recordingLogger().logger,
    });
    try {
      const created = await rt.coordinator.plane.createPipeline({
        name: 'emb',
        spec: {
          sources: [
            { type: 'generator', name: 'gen', partitions: 2, rowsPerPartition: 500, keys: 10, groups: 2 },
          ],
          tables: [
            {
              profile: { name: 'p', connector: 'redis', config: { connection: { address: redis.url } } },
              table: {
                name: 'emb_events',
                connector: 'redis',
                config: {
                  connectorType: { target: { listPrefix: 'emb:', listKeyColumn: 'g', operation: 'Append' } },
                },
              },
            },
          ],
          checkpoint: { intervalMs: 100 },
        },
      });
      const done = await until(
        'finished',
        () => rt.coordinator.plane.getPipeline('emb'),
        (p) => p.state === 'finished',
        30_000,
      );
      expect(done.lastCheckpointId).toBeGreaterThanOrEqual(0);
      const total =
        Number(await client.send(['LLEN', 'emb:g0'])) + Number(await client.send(['LLEN', 'emb:g1']));
      expect(total).toBe(1_000);
      expect(existsSync(join(dir, 'data', 'pipelines'))).toBe(false);
      expect(existsSync(join(dir, 'data', 'metadata.json'))).toBe(false);
      const ids = await client.send([
        'HKEYS',
        `{laminar-state:embedded}:job:pipelines/${created.id}:checkpoints`,
      ]);
      expect((ids as unknown[]).map(String)).toContain(String(done.lastCheckpointId));
    } finally {
      await rt.stop();
    }
  }, 60_000);
});
