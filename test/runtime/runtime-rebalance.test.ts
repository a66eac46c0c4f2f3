import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cli/runtime.js';
import { Producer } from '../../src/producer/producer.js';
import type { RedisClient } from '../../src/resp/client.js';
import { startWorker, type WorkerHandle } from '../../src/worker/worker.js';
import { listTables, type RuntimeFixture, runtimeFixture } from '../support/runtime.js';
import { recordingLogger } from '../support/sink.js';

/**
 * A worker joining mid-stream takes shards from the loaded one: they are revoked there (stopped),
 * then assigned to it, restored from the last checkpoint; the producer follows and nothing is lost
 * or written twice.
 */
describe('runtime — a joining worker takes shards over while a producer writes', () => {
  let f: RuntimeFixture | undefined;
  let client: RedisClient;
  let rt: Runtime;
  let extra: WorkerHandle | undefined;
  const log = recordingLogger().logger;

  beforeAll(async () => {
    f = await runtimeFixture({
      workers: 1,
      logger: log,
      tables: listTables({ moves: { prefix: 'mv:', shards: 4 } }),
    });
    ({ client, rt } = f);
  });

  afterAll(async () => {
    await extra?.stop();
    await f?.stop();
  });

  it('shards are revoked and reassigned; every row lands once, in order', async () => {
    const routes = async () => (await rt.coordinator.plane.tableRouting('moves')).routes;
    const p = new Producer({ coordinator: rt.grpcAddress, table: 'moves', batchRows: 200 });
    const rows = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, j) => ({ k: `k${(from + j) % 32}`, i: from + j }));
    try {
      for (let i = 0; i < 60_000; i += 2_000) {
        await p.write(rows(i, i + 2_000));
        if (i !== 20_000) continue;
        extra = await startWorker({ coordinator: rt.grpcAddress, name: 'joiner', logger: log });
        // Writes go on while shards are revoked on the first worker and started on the joiner.
        const joiner = await extra.registered;
        const end = Date.now() + 20_000;
        while (!(await routes()).some((r) => r.workerId === joiner)) {
          if (Date.now() > end) throw new Error('no shard moved to the joining worker');
          await p.write(rows(i, i)); // nothing: yield to the runtime
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      await p.flush();
    } finally {
      await p.close();
    }
    const owners = new Set((await routes()).map((r) => r.workerId));
    expect(owners.size).toBe(2);
    expect(owners.has(extra!.id!)).toBe(true);
    for (let k = 0; k < 32; k++) {
      const got = ((await client.send(['LRANGE', `mv:k${k}`, '0', '-1'])) as Buffer[]).map(
        (b) => (JSON.parse(b.toString()) as { i: number }).i,
      );
      const want: number[] = [];
      for (let i = k; i < 60_000; i += 32) want.push(i);
      expect(got).toEqual(want);
    }
  }, 60_000);
});
