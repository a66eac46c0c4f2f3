/**
 * GROUP BY into tables whose keys come from a key template: every group updates the key the
 * template makes of its GROUP BY columns, routed to the shard owning that key's slot.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { runJob } from '../../src/job/job.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { scriptError } from './support.js';

const silent = pino({ level: 'silent' });

describe('sql — GROUP BY into key-template tables', () => {
  let server: RedisServer;
  let client: RedisClient;
  let dir: string;

  beforeAll(async () => {
    server = await startRedis();
    client = await createClient(server.url);
    dir = await mkdtemp(join(tmpdir(), 'laminar-gbt-'));
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('groups of two columns write the key their template makes, on any shard count', async () => {
    const moves = Array.from({ length: 400 }, (_, i) => ({ sku: `s${i % 7}`, wh: `w${i % 3}`, qty: i % 5 }));
    const file = join(dir, 'moves.jsonl');
    await writeFile(file, moves.map((r) => JSON.stringify(r)).join('\n'));
    const sql = `CREATE TABLE moves (sku TEXT, wh TEXT, qty BIGINT) WITH (connector = 'jsonl', path = '${file}');
CREATE TABLE stock (wh TEXT, sku TEXT, qty BIGINT) WITH (
  connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'string', 'sink.key_template' = 'stock:{{{wh}}}:{sku}', format = 'raw');
INSERT INTO stock SELECT wh, sku, SUM(qty) AS qty FROM moves GROUP BY wh, sku;`;
    const script = await compileSqlScript(sql, { name: 'stock', redisAddress: server.url, shards: 3 });
    await runJob({ ...script, checkpoint: { dir: join(dir, 'cp') } }, { logger: silent });
    for (const wh of ['w0', 'w1', 'w2']) {
      for (const sku of ['s0', 's3', 's6']) {
        const want = moves.filter((m) => m.wh === wh && m.sku === sku).reduce((s, m) => s + m.qty, 0);
        expect(await client.send(['GET', `stock:{${wh}}:${sku}`])).toBe(String(want));
      }
    }
  });

  it('a template column computed from an aggregate is refused, naming it', async () => {
    const e =
      await scriptError(`CREATE TABLE moves (sku TEXT, qty BIGINT) WITH (connector = 'jsonl', path = '/dev/null');
CREATE TABLE stock (sku TEXT, qty BIGINT) WITH (
  connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'string', 'sink.key_template' = 'stock:{qty}');
INSERT INTO stock SELECT sku, SUM(qty) AS qty FROM moves GROUP BY sku;`);
    expect(e.message).toMatch(/stock's key template column 'qty' is computed from an aggregate/);
  });

  it('GROUP BY into a counter is refused: updates would pile up', async () => {
    const e =
      await scriptError(`CREATE TABLE moves (sku TEXT, qty BIGINT) WITH (connector = 'jsonl', path = '/dev/null');
CREATE TABLE total (sku TEXT, qty BIGINT) WITH (
  connector = 'redis', type = 'sink', address = 'redis://h:1',
  'sink.type' = 'counter', 'sink.counter_prefix' = 't:', 'sink.counter_key_column' = 'sku', 'sink.increment_column' = 'qty');
INSERT INTO total SELECT sku, SUM(qty) AS qty FROM moves GROUP BY sku;`);
    expect(e.message).toMatch(/GROUP BY into counter table 'total' is not supported/);
  });
});
