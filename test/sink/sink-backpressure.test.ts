import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { sinkOn, table } from '../support/sink.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  server?.kill('SIGCONT');
  await server?.stop();
});

describe('sink backpressure', () => {
  it('sink — a stalled Redis blocks write(); memory stays bounded; every row lands after resume', async () => {
    const maxInFlightRows = 20_000;
    const chunk = 1_000;
    const total = 400_000;
    const value = 'x'.repeat(400);
    const s = await sinkOn(
      server.url,
      table(
        { type: 'list', listPrefix: 'bp:', listKeyColumn: 'k', operation: 'Append' },
        { format: 'raw', valueColumn: 'v' },
      ),
      { maxInFlightRows },
    );
    let produced = 0;
    const writer = (async () => {
      while (produced < total) {
        const rows = [];
        for (let i = 0; i < chunk; i++)
          rows.push({ k: `l${(produced + i) % 50}`, v: `${produced + i}:${value}` });
        await s.write(rows);
        produced += chunk;
      }
      await s.flush();
    })();

    await new Promise((r) => setTimeout(r, 50));
    server.kill('SIGSTOP');
    const heapBefore = process.memoryUsage().heapUsed;
    // The writer goes on until the bound stops it (while its socket is full the sink lets the
    // event loop turn every 1,024 rows, so on a busy machine that takes a while): wait until it
    // has waited for acknowledgements and made no progress over two looks.
    let seen = -1;
    for (let quiet = 0; quiet < 2; ) {
      await new Promise((r) => setTimeout(r, 150));
      quiet = produced === seen && s.stats.backpressureWaits > 0 ? quiet + 1 : 0;
      seen = produced;
    }
    const stalledAt = produced;
    let peakHeap = 0;
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 50));
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
    // The writer is parked: nothing more was accepted while Redis was stopped.
    expect(produced).toBe(stalledAt);
    expect(produced).toBeLessThan(total);
    expect(s.stats.rowsIn - s.stats.rowsWritten).toBeLessThanOrEqual(maxInFlightRows + chunk);
    expect(s.stats.backpressureWaits).toBeGreaterThan(0);
    // Unbounded buffering of the remaining rows would need > 150 MB; the bound keeps it far lower.
    expect(peakHeap - heapBefore).toBeLessThan(64 * 1024 * 1024);

    server.kill('SIGCONT');
    await writer;
    expect(s.stats.rowsWritten).toBe(total);
    await s.close();
    const c = await createClient(server.url);
    let stored = 0;
    for (let l = 0; l < 50; l++) stored += (await c.send(['LLEN', `bp:l${l}`])) as number;
    expect(stored).toBe(total);
    const first = (await c.send(['LRANGE', 'bp:l0', 0, 2])) as string[];
    expect(first.map((e) => Number(e.split(':')[0]))).toEqual([0, 50, 100]);
    await c.close();
  });
});
