import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Producer } from '../../src/producer/producer.js';
import { createClient, type RedisClient } from '../../src/resp/client.js';
import { buildCli } from '../support/job-process.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { type Spawned, spawnCoordinator, spawnWorker } from '../support/runtime-processes.js';
import { api, createStreamedTables, STREAMED_TABLES } from '../support/runtime-tables.js';

/**
 * The distributed runtime as separate processes: a coordinator, three workers and three producers
 * (one per table) streaming rows; one worker is SIGKILLed mid-stream. Its shards must move to the
 * other workers, the producers resend what was not acknowledged, and Redis must end with every
 * list row exactly once in order, and the last value of every string key and hash field.
 * 1M rows in all; `LAMINAR_SOAK=1` (npm run test:soak) streams 3M and kills a second worker.
 */
const SOAK = process.env.LAMINAR_SOAK === '1';
const ROWS_PER_TABLE = SOAK ? 1_000_000 : 334_000;
const LIST_KEYS = 40;
const STRING_KEYS = 3_000;
const HASH_KEYS = 16;
const HASH_FIELDS = 500;
const SHARDS = 6;

describe('distributed runtime — coordinator + 3 worker processes, one SIGKILLed', () => {
  let redis: RedisServer;
  let dir: string;
  let coordinator: Spawned;
  const workers: Spawned[] = [];
  let client: RedisClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'laminar-dist-'));
    [redis] = await Promise.all([startRedis(), buildCli()]);
    client = await createClient(redis.url);
    coordinator = await spawnCoordinator(join(dir, 'data'), [
      '--checkpoint-interval',
      '200',
      '--shards',
      String(SHARDS),
    ]);
    const grpc = coordinator.info.grpc as string;
    workers.push(...(await Promise.all([0, 1, 2].map((i) => spawnWorker(grpc, `w${i}`)))));
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await coordinator?.kill();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'every row lands exactly once after a worker is killed and its shards move',
    async () => {
      const http = coordinator.info.http as string;
      await createStreamedTables(http, redis.url, SHARDS);
      const before = await api(http, 'GET', '/v1/workers');
      expect(before.data.filter((w: { state: string }) => w.state === 'ready')).toHaveLength(3);

      const grpc = coordinator.info.grpc as string;
      const rowOf: Record<string, (i: number) => Record<string, unknown>> = {
        events: (i) => ({ g: `g${i % LIST_KEYS}`, i }),
        latest: (i) => ({ k: `k${i % STRING_KEYS}`, i }),
        stock: (i) => ({ g: `g${i % HASH_KEYS}`, f: `f${i % HASH_FIELDS}`, i }),
      };
      let written = 0;
      const killAt = SOAK ? [1.2, 2.1] : [1.2];
      const killed: Spawned[] = [];
      const feed = async (table: string) => {
        const p = new Producer({ coordinator: grpc, table, producerId: `p-${table}`, batchRows: 500 });
        try {
          for (let i = 0; i < ROWS_PER_TABLE; i += 1000) {
            const rows = [];
            for (let j = i; j < Math.min(i + 1000, ROWS_PER_TABLE); j++) rows.push(rowOf[table](j));
            await p.write(rows);
            written += rows.length;
            if (killed.length < killAt.length && written > ROWS_PER_TABLE * killAt[killed.length]) {
              const victim = workers[1 + killed.length];
              killed.push(victim);
              await victim.kill('SIGKILL');
            }
          }
          await p.flush();
          return p.stats();
        } finally {
          await p.close();
        }
      };
      const stats = await Promise.all(Object.keys(STREAMED_TABLES).map(feed));
      expect(killed).toHaveLength(killAt.length);
      // Something had to be resent: the killed worker held a third of the shards.
      expect(stats.reduce((n, s) => n + s.reconnects, 0)).toBeGreaterThan(0);

      const after = await api(http, 'GET', '/v1/workers');
      const lost = after.data.filter((w: { state: string }) => w.state === 'lost');
      expect(lost).toHaveLength(killAt.length);
      for (const name of Object.keys(STREAMED_TABLES)) {
        const r = await api(http, 'GET', `/v1/connection_tables/${name}/routing`);
        for (const route of r.routes) {
          expect(route.workerId).not.toBe('');
          for (const l of lost) expect(route.workerId).not.toBe(l.id);
        }
      }

      // Lists: every row once, in input order.
      for (let g = 0; g < LIST_KEYS; g++) {
        const items = (await client.send(['LRANGE', `ev:g${g}`, '0', '-1'])) as Buffer[];
        const got = items.map((b) => (JSON.parse(b.toString()) as { i: number }).i);
        const want: number[] = [];
        for (let i = g; i < ROWS_PER_TABLE; i += LIST_KEYS) want.push(i);
        expect(got.length).toBe(want.length);
        expect(got).toEqual(want);
      }
      // Strings: the last row of every key.
      const keys = Array.from({ length: STRING_KEYS }, (_, k) => `s:k${k}`);
      const values = (await client.send(['MGET', ...keys])) as (Buffer | null)[];
      for (let k = 0; k < STRING_KEYS; k++) {
        const last = k + STRING_KEYS * Math.floor((ROWS_PER_TABLE - 1 - k) / STRING_KEYS);
        expect((JSON.parse(values[k]!.toString()) as { i: number }).i).toBe(last);
      }
      // Hashes: the last row of every (key, field).
      for (let g = 0; g < HASH_KEYS; g++) {
        const flat = (await client.send(['HGETALL', `h:g${g}`])) as Buffer[] | Map<Buffer, Buffer>;
        const entries = flat instanceof Map ? [...flat] : pairs(flat);
        for (const [f, v] of entries) {
          const i = (JSON.parse(v.toString()) as { i: number }).i;
          expect(i % HASH_KEYS).toBe(g);
          expect(`f${i % HASH_FIELDS}`).toBe(f.toString());
          expect(i + lcm(HASH_KEYS, HASH_FIELDS)).toBeGreaterThanOrEqual(ROWS_PER_TABLE);
        }
      }
    },
    SOAK ? 900_000 : 180_000,
  );
});

function pairs(flat: Buffer[]): Array<[Buffer, Buffer]> {
  const out: Array<[Buffer, Buffer]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

function lcm(a: number, b: number): number {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return (a * b) / gcd(a, b);
}
