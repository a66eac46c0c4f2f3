import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CoordinatorHandle, startCoordinator } from '../../src/coordinator/coordinator.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { recordingLogger } from '../support/sink.js';
import { until } from '../support/until.js';

/**
 * A table created while the coordinator runs opens its checkpoint store in the background. When
 * that fails, the table says so (failed, with the reason) and the coordinator logs it, instead of
 * an unhandled rejection and a table that never checkpoints.
 */

let dir: string;
let redis: RedisServer;
let coordinator: CoordinatorHandle;
const log = recordingLogger();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laminar-table-open-'));
  redis = await startRedis();
  coordinator = await startCoordinator({
    dataDir: join(dir, 'data'),
    grpcPort: 0,
    httpPort: null,
    logger: log.logger,
  });
}, 60_000);

afterAll(async () => {
  await coordinator?.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a table whose checkpoints cannot be opened', () => {
  it('table open — a checkpoint directory that cannot be made fails the table with the reason', async () => {
    // Where the table's checkpoint directory would go, a file: the directory cannot be made.
    await rm(join(dir, 'data', 'tables'), { recursive: true, force: true });
    await writeFile(join(dir, 'data', 'tables'), 'not a directory');
    const plane = coordinator.plane;
    await plane.createProfile({
      name: 'p',
      connector: 'redis',
      config: { connection: { address: redis.url } },
    });
    await plane.createTable({
      name: 'blocked',
      connector: 'redis',
      connectionProfileId: 'p',
      config: { connectorType: { target: { keyPrefix: 'b:', keyColumn: 'id' } } },
    } as never);
    const view = await until(
      'the table reported failed',
      () => plane.getTable('blocked'),
      (t) => t.state === 'failed',
    );
    expect(view.error).toMatch(/^its checkpoints could not be read: .*tables/);
    const failed = log.lines.map((l) => JSON.parse(l)).find((r) => r.msg === 'table failed');
    expect(failed).toMatchObject({ table: 'blocked', reason: view.error });
  });
});
