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

const listTable = () =>
  table(
    { type: 'list', listPrefix: 'pace:', listKeyColumn: 'k', operation: 'Append' },
    { format: 'raw', valueColumn: 'v', batchSize: 1_000 },
  );

describe('sink pacing', () => {
  it('sink — while sent bytes wait for the socket, a long write lets I/O run; writes keep their order', async () => {
    const s = await sinkOn(server.url, listTable(), { maxInFlightRows: 1_000_000 });
    const pad = 'x'.repeat(500);
    const rowsOf = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ k: 'l', v: `${from + i}:${pad}` }));
    // Redis reads nothing: the first write's flushes fill the kernel's buffers, the rest waits in
    // the process for the socket.
    server.kill('SIGSTOP');
    await s.write(rowsOf(0, 20_000));
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    // Not awaited one by one, as a producer may call them: b's rows must follow all of a's, and
    // c's all of b's, though a and b let the event loop turn half-way.
    const a = s.write(rowsOf(20_000, 5_000));
    const b = s.write(rowsOf(25_000, 5_000));
    const c = s.write(rowsOf(30_000, 10));
    await a;
    expect(turned).toBe(true);
    server.kill('SIGCONT');
    await Promise.all([b, c]);
    await s.flush();
    expect(s.stats.rowsWritten).toBe(30_010);
    await s.close();
    const client = await createClient(server.url);
    const all = (await client.send(['LRANGE', 'pace:l', 0, -1])) as string[];
    await client.close();
    expect(all.map((e) => Number(e.slice(0, e.indexOf(':'))))).toEqual(
      Array.from({ length: 30_010 }, (_, i) => i),
    );
  });
});
