import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Runtime, startRuntime } from '../../src/cli/runtime.js';
import type { Logger } from '../../src/log.js';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import { type RedisServer, startRedis } from './redis.js';
import { recordingLogger } from './sink.js';

/** A table to create: its JSON `config` (the REST body) and its shard count. */
export interface TableSpec {
  config: Record<string, unknown>;
  shards: number;
}

/** List tables keyed by column `k`, Append: name → prefix and shards. */
export function listTables(
  lists: Record<string, { prefix: string; shards: number }>,
): Record<string, TableSpec> {
  return Object.fromEntries(
    Object.entries(lists).map(([name, { prefix, shards }]) => [
      name,
      {
        config: {
          connectorType: { target: { listPrefix: prefix, listKeyColumn: 'k', operation: 'Append' } },
        },
        shards,
      },
    ]),
  );
}

/** A string table keyed by column `id` under `prefix` (JSON values). */
export function stringTable(prefix: string, shards = 2): TableSpec {
  return { config: { connectorType: { target: { keyPrefix: prefix, keyColumn: 'id' } } }, shards };
}

/**
 * An embedded runtime for tests: free ports, 100 ms checkpoints (unless told), a profile `p` for
 * `redisUrl`, and the given tables.
 */
export async function runtimeWithTables(options: {
  dataDir: string;
  redisUrl: string;
  workers: number;
  logger: Logger;
  tables: Record<string, TableSpec>;
  checkpointIntervalMs?: number;
}): Promise<Runtime> {
  const rt = await startRuntime({
    dataDir: options.dataDir,
    workers: options.workers,
    grpcPort: 0,
    httpPort: 0,
    checkpointIntervalMs: options.checkpointIntervalMs ?? 100,
    logger: options.logger,
  });
  try {
    const plane = rt.coordinator.plane;
    await plane.createProfile({
      name: 'p',
      connector: 'redis',
      config: { connection: { address: options.redisUrl } },
    });
    for (const [name, { config, shards }] of Object.entries(options.tables)) {
      await plane.createTable({ name, connector: 'redis', connectionProfileId: 'p', config, shards });
    }
  } catch (err) {
    await rt.stop();
    throw err;
  }
  return rt;
}

/** A private redis-server, a client of it, a data directory and a runtime writing to it. */
export interface RuntimeFixture {
  redis: RedisServer;
  client: RedisClient;
  rt: Runtime;
  /** Stops the runtime, the client and redis-server, and removes the data directory. */
  stop(): Promise<void>;
}

export async function runtimeFixture(options: {
  workers: number;
  tables: Record<string, TableSpec>;
  checkpointIntervalMs?: number;
  logger?: Logger;
}): Promise<RuntimeFixture> {
  const redis = await startRedis();
  const dir = await mkdtemp(join(tmpdir(), 'laminar-rt-'));
  let client: RedisClient | undefined;
  let rt: Runtime | undefined;
  const stop = async () => {
    await rt?.stop();
    await client?.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    client = await createClient(redis.url);
    rt = await runtimeWithTables({
      dataDir: dir,
      redisUrl: redis.url,
      workers: options.workers,
      logger: options.logger ?? recordingLogger().logger,
      tables: options.tables,
      checkpointIntervalMs: options.checkpointIntervalMs,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { redis, client, rt, stop };
}
