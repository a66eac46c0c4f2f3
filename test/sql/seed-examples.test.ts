/**
 * The connector documentation's three SQL pipelines (sessions, leaderboard, inventory), verbatim, each preceded by
 * a generator source table for the stream it reads, compiled with the sink addresses overridden
 * to the test's redis-server, and run to the end. The expected Redis state is computed here from
 * the same generated rows (column-generator.ts), without the SQL engine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { runJob } from '../../src/job/job.js';
import { compileSqlScript } from '../../src/sql/compile-script.js';
import { asMap, scanKeys } from '../support/read-back.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { SEED_EXAMPLES } from './seed-examples-sql.js';
import { generatedRows } from './support.js';

const PASSWORD = 'seed-sessions-pw-31d7';
const BATCH = 100;

const USER_ACTIVITY = `CREATE TABLE user_activity (
    session_id TEXT,
    user_id TEXT,
    user_email TEXT,
    roles JSON,
    scopes JSON,
    event_type TEXT
) WITH (
    connector = 'generator',
    partitions = '2',
    rows_per_partition = '600',
    seed = '11',
    'fields.session_id.cardinality' = '40',
    'fields.session_id.per_partition' = 'true',
    'fields.user_id.cardinality' = '25',
    'fields.user_email.values' = 'ann@example.com,bob@example.com,eve@example.com',
    'fields.roles.values' = '[["admin"], ["user"], ["user", "billing"]]',
    'fields.scopes.values' = '[["read"], ["read", "write"]]',
    'fields.event_type.values' = 'login,logout,click,view'
);
`;

// Per-partition games: a list is written by one partition, so its expected order is exact.
const GAME_SCORES = `CREATE TABLE game_scores (
    game_id TEXT,
    player_id TEXT,
    score BIGINT,
    timestamp TIMESTAMP
) WITH (
    connector = 'generator',
    partitions = '2',
    rows_per_partition = '2500',
    seed = '5',
    'fields.game_id.cardinality' = '3',
    'fields.game_id.per_partition' = 'true',
    'fields.player_id.cardinality' = '200',
    'fields.score.min' = '0',
    'fields.score.max' = '5000'
);
`;

const INVENTORY_EVENTS = `CREATE TABLE inventory_events (
    product_sku TEXT,
    warehouse_code TEXT,
    quantity_change INTEGER,
    event_time TIMESTAMP
) WITH (
    connector = 'generator',
    partitions = '3',
    rows_per_partition = '2000',
    seed = '3',
    'fields.product_sku.cardinality' = '30',
    'fields.warehouse_code.values' = 'east,west,north',
    'fields.quantity_change.min' = '-20',
    'fields.quantity_change.max' = '50',
    'fields.event_time.kind' = 'random',
    'fields.event_time.min' = '2024-03-01T00:00:00Z',
    'fields.event_time.max' = '2024-03-31T23:59:59Z'
);
`;

type Row = Record<string, unknown>;

let plain: RedisServer;
let secured: RedisServer;
let dir: string;
const clients: RedisClient[] = [];

beforeAll(async () => {
  [plain, secured] = await Promise.all([startRedis(), startRedis({ config: `requirepass ${PASSWORD}` })]);
  process.env.REDIS_PASSWORD = PASSWORD;
  dir = await mkdtemp(join(tmpdir(), 'laminar-sql-seed-'));
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await plain?.stop();
  await secured?.stop();
  delete process.env.REDIS_PASSWORD;
  await rm(dir, { recursive: true, force: true });
});

async function run(name: string, script: string, server: RedisServer, password?: string) {
  const spec = await compileSqlScript(script, { name, redisAddress: server.url, shards: 2 });
  const started = Date.now();
  await runJob(
    { ...spec, batchSize: BATCH, checkpoint: { dir: join(dir, name), intervalMs: 50 } },
    { logger: pino({ level: 'silent' }) },
  );
  const client = await createClient(server.url, password === undefined ? {} : { password });
  clients.push(client);
  return { spec, client, started, ended: Date.now() };
}

describe('sql — the documented examples, unchanged', () => {
  it('sessions — logins upsert session:<id> with JSON_OBJECT permissions, NOW() and a 30 minute TTL', async () => {
    const { spec, client, started, ended } = await run(
      'sessions',
      USER_ACTIVITY + SEED_EXAMPLES.sessions,
      secured,
      PASSWORD,
    );
    const expected = new Map<string, Row>();
    for (const rows of generatedRows(spec.sources[0])) {
      for (const r of rows) {
        if (r.event_type !== 'login') continue;
        expected.set(`session:${r.session_id}`, {
          session_id: r.session_id,
          user_id: r.user_id,
          user_email: r.user_email,
          permissions: { roles: r.roles, scopes: r.scopes },
        });
      }
    }
    expect(expected.size).toBeGreaterThan(40);
    const keys = await scanKeys(client, '*', 1000);
    expect(keys.sort()).toEqual([...expected.keys()].sort());
    for (const [key, want] of expected) {
      const value = JSON.parse((await client.send(['GET', key])) as string) as Row;
      const { last_activity, ...rest } = value;
      expect(rest).toEqual(want);
      const at = Date.parse(last_activity as string);
      expect(at).toBeGreaterThanOrEqual(started - 1);
      expect(at).toBeLessThanOrEqual(ended + 1);
      const ttl = (await client.send(['TTL', key])) as number;
      expect(ttl).toBeGreaterThan(1700);
      expect(ttl).toBeLessThanOrEqual(1800);
    }
  });

  it('leaderboard — scores above 1000, each batch sorted by score DESC, LPUSHed, trimmed to 100', async () => {
    const { spec, client } = await run('leaderboard', GAME_SCORES + SEED_EXAMPLES.leaderboard, plain);
    const expected = new Map<string, Row[]>();
    for (const rows of generatedRows(spec.sources[0])) {
      for (let start = 0; start < rows.length; start += BATCH) {
        const batch = rows.slice(start, start + BATCH).filter((r) => (r.score as number) > 1000);
        batch.sort((a, b) => (b.score as number) - (a.score as number)); // stable
        for (const r of batch) {
          const key = `leaderboard:${r.game_id}`;
          const list = expected.get(key) ?? [];
          list.unshift({ ...r, timestamp: (r.timestamp as Date).toISOString() }); // LPUSH
          expected.set(key, list);
        }
      }
    }
    expect(expected.size).toBe(6);
    const keys = await scanKeys(client, 'leaderboard:*', 1000);
    expect(keys.sort()).toEqual([...expected.keys()].sort());
    for (const [key, list] of expected) {
      const got = ((await client.send(['LRANGE', key, 0, -1])) as string[]).map((s) => JSON.parse(s));
      expect(got).toEqual(list.slice(0, 100));
    }
  });

  it('inventory — GROUP BY sku and warehouse: HSET stock:<warehouse> <sku> with SUM and MAX', async () => {
    const { spec, client } = await run('inventory', INVENTORY_EVENTS + SEED_EXAMPLES.inventory, plain);
    const expected = new Map<string, Map<string, Row>>();
    for (const rows of generatedRows(spec.sources[0])) {
      for (const r of rows) {
        const key = `stock:${r.warehouse_code}`;
        const hash = expected.get(key) ?? new Map<string, Row>();
        expected.set(key, hash);
        const sku = r.product_sku as string;
        const before = hash.get(sku);
        const t = (r.event_time as Date).toISOString();
        hash.set(sku, {
          sku,
          warehouse: r.warehouse_code,
          quantity: ((before?.quantity as number) ?? 0) + (r.quantity_change as number),
          updated_at: before === undefined || (before.updated_at as string) < t ? t : before.updated_at,
        });
      }
    }
    const keys = await scanKeys(client, 'stock:*', 1000);
    expect(keys.sort()).toEqual(['stock:east', 'stock:north', 'stock:west']);
    for (const [key, hash] of expected) {
      const got = asMap(await client.send(['HGETALL', key]));
      expect(new Map([...got].map(([f, v]) => [f, JSON.parse(v)]))).toEqual(hash);
    }
  });
});
