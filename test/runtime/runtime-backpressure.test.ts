import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cli/runtime.js';
import { Producer } from '../../src/producer/producer.js';
import type { RedisClient } from '../../src/resp/client.js';
import type { RedisServer } from '../support/redis.js';
import { listTables, type RuntimeFixture, runtimeFixture } from '../support/runtime.js';

/**
 * Backpressure through the whole distributed path: Redis stalls (SIGSTOP), the shard's sink, the
 * ingest channel, the Write stream and the producer's window fill up, and `write()` waits — with
 * the heap bounded — until Redis comes back; then every row lands.
 */
describe('runtime — a stalled Redis slows the producer down, memory stays bounded', () => {
  let f: RuntimeFixture | undefined;
  let redis: RedisServer;
  let client: RedisClient;
  let rt: Runtime;

  beforeAll(async () => {
    f = await runtimeFixture({ workers: 1, tables: listTables({ bp: { prefix: 'bp:', shards: 2 } }) });
    ({ redis, client, rt } = f);
  });

  afterAll(async () => {
    f?.redis.kill('SIGCONT');
    await f?.stop();
  });

  it('write() waits while Redis is stopped; nothing grows without bound; every row lands after', async () => {
    const WINDOW = 20_000;
    const p = new Producer({
      coordinator: rt.grpcAddress,
      table: 'bp',
      maxUnackedRows: WINDOW,
      batchRows: 500,
    });
    const payload = 'x'.repeat(200);
    const rows = (from: number, n: number) =>
      Array.from({ length: n }, (_, j) => ({ k: `k${(from + j) % 8}`, i: from + j, payload }));
    await p.write(rows(0, 2_000));
    await p.flush();

    redis.kill('SIGSTOP');
    const heapBefore = process.memoryUsage().heapUsed;
    let accepted = 2_000;
    let peakHeap = heapBefore;
    const writer = (async () => {
      for (let i = 2_000; i < 200_000; i += 1_000) {
        await p.write(rows(i, 1_000));
        accepted = i + 1_000;
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      }
    })();
    await new Promise((r) => setTimeout(r, 3_000));
    const stalledAt = accepted;
    // Bounded: the producer's window (plus one write call) is all that is accepted while Redis sleeps.
    expect(stalledAt).toBeLessThanOrEqual(2_000 + WINDOW + 1_000);
    expect(p.stats().unackedRows).toBeLessThanOrEqual(WINDOW + 1_000);
    expect(peakHeap - heapBefore).toBeLessThan(64 * 1024 * 1024);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(accepted).toBe(stalledAt); // still waiting, not creeping

    redis.kill('SIGCONT');
    await writer;
    await p.flush();
    await p.close();
    let total = 0;
    for (let k = 0; k < 8; k++) {
      const items = (await client.send(['LRANGE', `bp:k${k}`, '0', '-1'])) as Buffer[];
      const got = items.map((b) => (JSON.parse(b.toString()) as { i: number }).i);
      const want: number[] = [];
      for (let i = k; i < 200_000; i += 8) want.push(i);
      expect(got).toEqual(want);
      total += got.length;
    }
    expect(total).toBe(200_000);
  }, 90_000);
});
