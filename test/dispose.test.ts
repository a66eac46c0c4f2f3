import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  createCluster,
  createSink,
  Producer,
  type RedisClient,
  type RedisCluster,
  type RedisSink,
  type Runtime,
} from '../src/index.js';
import {
  type RedisCluster as ClusterServers,
  type RedisServer,
  startCluster,
  startRedis,
} from './support/redis.js';
import { runtimeWithTables, stringTable } from './support/runtime.js';
import { recordingLogger } from './support/sink.js';

/** `await using` on every closable object of the public API ends its scope closed. */

let redis: RedisServer;
let servers: ClusterServers;
let dir: string;

beforeAll(async () => {
  [redis, servers] = await Promise.all([startRedis(), startCluster({ masters: 3, replicasPerMaster: 0 })]);
  dir = await mkdtemp(join(tmpdir(), 'laminar-dispose-'));
});

afterAll(async () => {
  await Promise.all([redis?.stop(), servers?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('await using', () => {
  it('dispose — a client is closed at the end of its scope', async () => {
    let kept: RedisClient;
    {
      await using client = await createClient(redis.url);
      expect(await client.send(['PING'])).toBe('PONG');
      kept = client;
    }
    expect(kept.isReady).toBe(false);
    await expect(kept.send(['PING'])).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });

  it('dispose — a cluster client is closed at the end of its scope', async () => {
    let kept: RedisCluster;
    {
      await using cluster = await createCluster({ addresses: servers.addresses.map((a) => `redis://${a}`) });
      expect(await cluster.send(['SET', 'dispose:k', 'v'])).toBe('OK');
      kept = cluster;
    }
    await expect(kept.send(['GET', 'dispose:k'])).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });

  it('dispose — a sink flushes what it holds, then closes', async () => {
    let kept: RedisSink;
    {
      await using sink = await createSink({
        profile: { name: 'local', connector: 'redis', config: { connection: { address: redis.url } } },
        table: {
          name: 'disposed',
          connector: 'redis',
          config: {
            connectorType: { target: { keyPrefix: 'dispose:', keyColumn: 'id' } },
            sink: { batchSize: 1000, flushIntervalMs: 60_000 },
          },
        },
      });
      await sink.write([{ id: 'a', v: 1 }]);
      kept = sink;
    }
    await using check = await createClient(redis.url);
    expect(JSON.parse((await check.send(['GET', 'dispose:a'])) as string)).toEqual({ id: 'a', v: 1 });
    await expect(kept.write([{ id: 'b', v: 2 }])).rejects.toMatchObject({ code: 'ERR_SINK_FAILED' });
  });

  it('dispose — a runtime stops, and a producer flushes and closes, at the end of their scopes', async () => {
    let runtime: Runtime;
    let producer: Producer;
    {
      await using rt = await runtimeWithTables({
        dataDir: join(dir, 'data'),
        redisUrl: redis.url,
        workers: 1,
        logger: recordingLogger().logger,
        tables: { disposed_rows: stringTable('dispose:rt:', 1) },
      });
      runtime = rt;
      {
        await using p = new Producer({ coordinator: rt.grpcAddress, table: 'disposed_rows' });
        await p.write([{ id: 'x', v: 1 }]);
        producer = p;
      }
      await using check = await createClient(redis.url);
      expect(JSON.parse((await check.send(['GET', 'dispose:rt:x'])) as string)).toEqual({ id: 'x', v: 1 });
      await expect(producer.write([{ id: 'y', v: 2 }])).rejects.toMatchObject({
        code: 'ERR_PRODUCER_CLOSED',
      });
    }
    await expect(fetch(`http://${runtime.httpAddress}/v1/workers`)).rejects.toThrow();
  });
});
