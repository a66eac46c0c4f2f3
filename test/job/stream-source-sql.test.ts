import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJob } from '../../src/job/job.js';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { type RedisServer, startRedis } from '../support/redis.js';

/**
 * A pipeline script with a Redis stream source runs end to end: entries in the `fields` format,
 * typed by the declared columns, filtered and grouped by a query, into a hash table.
 */
const SCRIPT = `
CREATE TABLE orders (region TEXT, amount DOUBLE, paid BOOLEAN) WITH (
    connector = 'redis', type = 'source', address = 'redis://replaced:6379',
    'source.streams' = 'orders:eu,orders:us', 'source.group' = 'pipeline', 'source.start' = '0',
    'source.format' = 'fields'
);
CREATE TABLE totals (region TEXT, n BIGINT, amount DOUBLE) WITH (
    connector = 'redis', type = 'sink', address = 'redis://replaced:6379',
    'sink.type' = 'string', 'sink.key_prefix' = 'total:', 'sink.key_column' = 'region'
);
INSERT INTO totals
SELECT region, COUNT(*) AS n, SUM(amount) AS amount FROM orders WHERE paid GROUP BY region;
`;

describe('stream source in a pipeline script', () => {
  let server: RedisServer;
  let redis: RedisClient;
  let work: string;

  beforeAll(async () => {
    [server, work] = await Promise.all([startRedis(), mkdtemp(join(tmpdir(), 'laminar-stream-sql-'))]);
    redis = await createClient(server.url);
  });

  afterAll(async () => {
    await redis?.close();
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('stream source SQL — fields typed by the declared columns reach a GROUP BY query', async () => {
    const add = (stream: string, region: string, amount: number, paid: boolean) =>
      redis.send(['XADD', stream, '*', 'region', region, 'amount', String(amount), 'paid', String(paid)]);
    for (let i = 0; i < 50; i++) await add('orders:eu', 'eu', 2.5, i % 5 !== 0);
    for (let i = 0; i < 30; i++) await add('orders:us', 'us', 10, true);
    const script = await compileSqlScript(SCRIPT, { name: 'orders', redisAddress: server.url });
    const job = startJob({ ...script, checkpoint: { dir: join(work, 'cp'), intervalMs: 100 } });
    try {
      const want = { eu: { n: 40, amount: 100 }, us: { n: 30, amount: 300 } };
      const end = Date.now() + 30_000;
      for (;;) {
        const [eu, us] = (await redis.pipeline([
          ['GET', 'total:eu'],
          ['GET', 'total:us'],
        ])) as (string | null)[];
        const got = { eu: eu && JSON.parse(eu), us: us && JSON.parse(us) };
        if (got.eu?.n === want.eu.n && got.us?.n === want.us.n) {
          expect(got.eu).toMatchObject({ region: 'eu', ...want.eu });
          expect(got.us).toMatchObject({ region: 'us', ...want.us });
          break;
        }
        if (Date.now() > end) throw new Error(`not there in time: ${JSON.stringify(got)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await job.stop();
    }
  });
});
