import type { Logger } from '../../src/log.js';
import { type Runtime, startRuntime } from '../../src/runtime/runtime.js';

/**
 * An embedded runtime for tests: free ports, 100 ms checkpoints (unless told), a profile `p` for
 * `redisUrl`, and one list table per entry of `lists` (name → prefix, keyed by column `k`, Append).
 */
export async function runtimeWithLists(options: {
  dataDir: string;
  redisUrl: string;
  workers: number;
  logger: Logger;
  lists: Record<string, { prefix: string; shards: number }>;
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
    for (const [name, { prefix, shards }] of Object.entries(options.lists)) {
      await plane.createTable({
        name,
        connector: 'redis',
        connectionProfileId: 'p',
        config: {
          connectorType: { target: { listPrefix: prefix, listKeyColumn: 'k', operation: 'Append' } },
        },
        shards,
      });
    }
  } catch (err) {
    await rt.stop();
    throw err;
  }
  return rt;
}
