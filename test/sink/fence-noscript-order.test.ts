import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { sinkOn, table } from '../support/sink.js';

let server: RedisServer;
let c: RedisClient;
beforeAll(async () => {
  server = await startRedis();
  c = await createClient(server.url);
});
afterAll(async () => {
  await c?.close();
  await server?.stop();
});

it('fence — many fenced flushes in flight on a server without the script apply every row once, in order', async () => {
  // Regression: flushes 1 and 2 both met NOSCRIPT; flush 1's retry loaded the script, so flush 3
  // ran before flush 2's retry and moved the fence past flush 2's rows, which were then skipped.
  await c.send(['SCRIPT', 'FLUSH']);
  const sink = await sinkOn(
    server.url,
    table({ type: 'list', listPrefix: 'nso:', operation: 'Append' }, { name: 'nso', batchSize: 10 }),
  );
  const n = 2_000;
  const rows = Array.from({ length: n }, (_, i) => ({ i }));
  // Small writes across ticks: new flushes keep going out while earlier replies (NOSCRIPT) and
  // their retries come back.
  for (let from = 0; from < n; from += 10) {
    const part = rows.slice(from, from + 10);
    await sink.write(part, { partition: 'p', offsets: part.map((_, j) => from + j) });
    await new Promise((resolve) => setImmediate(resolve));
  }
  await sink.flush();
  expect(sink.stats.scriptReloads).toBeGreaterThan(0);
  expect(sink.stats.rowsDuplicate).toBe(0);
  const got = ((await c.send(['LRANGE', 'nso:', 0, -1])) as Buffer[]).map((b) => JSON.parse(b.toString()).i);
  expect(got).toEqual(rows.map((r) => r.i));
  await sink.close();
});

it('fence — after the script is lost, flushes kept in flight run from the script cache again once its gap is filled', async () => {
  // Regression: each new flush went out before the retries of the calls ahead of it, found their
  // gap and was sent again with the script's source: with flushes always in flight, every flush
  // from the lost script on ran twice.
  await c.send(['SCRIPT', 'FLUSH']);
  await c.send(['CONFIG', 'RESETSTAT']);
  const batch = 10;
  const sink = await sinkOn(
    server.url,
    table({ type: 'list', listPrefix: 'nsc:', operation: 'Append' }, { name: 'nsc', batchSize: batch }),
    { maxInFlightRows: 3 * batch },
  );
  const n = 3_000;
  const rows = Array.from({ length: n }, (_, i) => ({ i }));
  for (let from = 0; from < n; from += batch) {
    const part = rows.slice(from, from + batch);
    await sink.write(part, { partition: 'p', offsets: part.map((_, j) => from + j) });
  }
  await sink.flush();
  const stats = (await c.send(['INFO', 'commandstats'])) as string;
  const withSource = Number(/^cmdstat_eval:calls=(\d+)/m.exec(stats)?.[1] ?? 0);
  // Only the calls in flight when the script was found missing carry its source: a few, bounded
  // by the in-flight window, out of the 300 flushes.
  expect(withSource).toBeGreaterThan(0);
  expect(withSource).toBeLessThanOrEqual(8);
  expect(sink.stats.rowsDuplicate).toBe(0);
  const got = ((await c.send(['LRANGE', 'nsc:', 0, -1])) as Buffer[]).map((b) => JSON.parse(b.toString()).i);
  expect(got).toEqual(rows.map((r) => r.i));
  await sink.close();
});
