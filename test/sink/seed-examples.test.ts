/**
 * The connector documentation's examples end to end, on a standalone server and on a 3-master cluster: the six
 * `CREATE TABLE` statements as the documentation writes them (only the address replaced), the two `curl`
 * bodies, Raw format for each table type, and every bad-row policy. Redis state is read back
 * node by node with SCAN, so the check sees exactly which keys exist, wherever they landed.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type RedisClient } from '../../src/index.js';
import { createSink } from '../../src/sink/create-sink.js';
import { BadRowError } from '../../src/sink/errors.js';

/** Rows as this file builds them (the sink accepts any object). */
type Row = Record<string, unknown>;

import type { RedisSink } from '../../src/sink/sink.js';
import { asMap, scanKeys } from '../support/read-back.js';
import {
  cli,
  type RedisCluster,
  type RedisServer,
  redisCli,
  startCluster,
  startRedis,
} from '../support/redis.js';
import { SEED_SQL } from './config/seed-sql.js';

type Mode = 'standalone' | 'cluster';
interface Node {
  host: string;
  port: number;
}
interface Deployment {
  nodes: Node[];
  /** `redis://127.0.0.1:PORT` of every node. */
  urls: string[];
}

const APP_USER = 'app_user';
const APP_PASSWORD = 'app-user-pw-5b2c';
const SESSION_PASSWORD = 'sessions-pw-9f41';
const BASE = Date.UTC(2026, 2, 1, 12, 0, 0);
/** Bad rows are logged; keep the test output quiet. */
const silent = pino({ level: 'silent' });

let standalone: RedisServer;
let cluster: RedisCluster;
const deployments = {} as Record<Mode, Deployment>;

beforeAll(async () => {
  [standalone, cluster] = await Promise.all([
    startRedis(),
    startCluster({ masters: 3, replicasPerMaster: 0 }),
  ]);
  deployments.standalone = { nodes: [standalone], urls: [standalone.url] };
  deployments.cluster = {
    nodes: cluster.nodes,
    urls: cluster.addresses.map((a) => `redis://${a}`),
  };
  // The documented connection profile authenticates as `app_user`: every node knows that user.
  for (const n of [standalone, ...cluster.nodes]) {
    await cli(n, 'acl', 'setuser', APP_USER, 'on', `>${APP_PASSWORD}`, '~*', '&*', '+@all');
  }
});
afterAll(async () => {
  await Promise.all([standalone?.stop(), cluster?.stop()]);
});

// ---------------------------------------------------------------------------------------------
// Reading Redis back

/** Every key matching `pattern` on every node with what `read` returns for it. A key on two nodes fails. */
async function readAll<V>(
  d: Deployment,
  pattern: string,
  read: (c: RedisClient, keys: string[]) => Promise<V[]>,
  password?: string,
): Promise<Map<string, V>> {
  const out = new Map<string, V>();
  for (const url of d.urls) {
    const c = await createClient(url, { password });
    try {
      const keys = await scanKeys(c, pattern, 1000);
      const values = keys.length === 0 ? [] : await read(c, keys);
      keys.forEach((k, i) => {
        expect(out.has(k), `key ${k} on two nodes`).toBe(false);
        out.set(k, values[i]);
      });
    } finally {
      await c.close();
    }
  }
  return out;
}

const strings = (c: RedisClient, keys: string[]) =>
  c.pipeline(keys.map((k) => ['GET', k])) as Promise<string[]>;
const buffers = (c: RedisClient, keys: string[]) =>
  c.pipeline(
    keys.map((k) => ['GET', k]),
    { returnBuffers: true },
  ) as Promise<Buffer[]>;
const ttls = (c: RedisClient, keys: string[]) => c.pipeline(keys.map((k) => ['TTL', k])) as Promise<number[]>;
const lists = (c: RedisClient, keys: string[]) =>
  c.pipeline(keys.map((k) => ['LRANGE', k, 0, -1])) as Promise<string[][]>;
const hashes = async (c: RedisClient, keys: string[]) =>
  (await c.pipeline(keys.map((k) => ['HGETALL', k]))).map(asMap);

// ---------------------------------------------------------------------------------------------
// Expected values, computed independently of src/sink

/** The row as JSON per DESIGN.md: the given columns in order, Date as ISO-8601 UTC, bigint as number when safe. */
function rowJson(row: Row, columns: readonly string[]): string {
  const o: Record<string, unknown> = {};
  for (const c of columns) {
    const v = row[c];
    o[c] =
      v === undefined
        ? null
        : v instanceof Date
          ? v.toISOString()
          : typeof v === 'bigint'
            ? Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v
              ? Number(v)
              : v.toString()
            : v;
  }
  return JSON.stringify(o);
}

/** String tables: key → JSON of the last row with that key. */
function lastByKey(rows: readonly Row[], prefix: string, keyColumn: string, columns: readonly string[]) {
  const m = new Map<string, string>();
  for (const r of rows) m.set(prefix + String(r[keyColumn]), rowJson(r, columns));
  return m;
}

/** Hash tables: key → field → JSON of the last row with that key and field. */
function lastByField(
  rows: readonly Row[],
  prefix: string,
  keyColumn: string,
  fieldColumn: string,
  value: (r: Row) => string,
) {
  const m = new Map<string, Map<string, string>>();
  for (const r of rows) {
    const key = prefix + String(r[keyColumn]);
    let h = m.get(key);
    if (h === undefined) m.set(key, (h = new Map()));
    h.set(String(r[fieldColumn]), value(r));
  }
  return m;
}

/** List tables: key → entries as Redis holds them after pushing in input order and trimming. */
function listsOf(
  rows: readonly Row[],
  prefix: string,
  keyColumn: string,
  operation: 'Append' | 'Prepend',
  maxLength: number | undefined,
  value: (r: Row) => string,
) {
  const m = new Map<string, string[]>();
  for (const r of rows) {
    const key = prefix + String(r[keyColumn]);
    let l = m.get(key);
    if (l === undefined) m.set(key, (l = []));
    l.push(value(r));
  }
  for (const [k, l] of m) {
    const kept = maxLength === undefined ? l : l.slice(-maxLength);
    m.set(k, operation === 'Prepend' ? kept.reverse() : kept);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Rows (deterministic)

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const at = (i: number, stepMs: number) => new Date(BASE + i * stepMs);
const ROLES = [['admin'], ['user'], ['user', 'support']];

const SESSIONS = range(3000).map((i) => ({
  session_id: `sess-${String(i % 2500).padStart(4, '0')}`,
  user_id: `u${(i * 7) % 997}`,
  user_email: `user${(i * 7) % 997}@example.com`,
  permissions: { roles: ROLES[i % 3], scopes: i % 4 === 0 ? ['read', 'write'] : ['read'] },
  last_activity: at(i, 1000),
}));
const SESSION_COLUMNS = ['session_id', 'user_id', 'user_email', 'permissions', 'last_activity'];

const LEADERBOARD = range(3000).map((i) => ({
  game_id: i % 97 === 0 ? 'rare' : `game-${i % 6}`,
  player_id: `player-${(i * 31) % 500}`,
  // The last row's score is beyond 2^53: JSON keeps it exact as a string.
  score: i === 2999 ? 2n ** 60n : BigInt(1000 + ((i * 7919) % 100_000)),
  timestamp: at(i, 250),
}));
const LEADERBOARD_COLUMNS = ['game_id', 'player_id', 'score', 'timestamp'];

const INVENTORY = range(3000).map((i) => ({
  sku: `SKU-${String((i * 13) % 400).padStart(3, '0')}`,
  warehouse: `WH-${i % 5}`,
  quantity: ((i * 17) % 1000) - 200,
  updated_at: at(i, 60_000),
}));
const INVENTORY_COLUMNS = ['sku', 'warehouse', 'quantity', 'updated_at'];

const USERS = range(2000).map((i) => ({
  user_id: `user-${i % 1500}`,
  user_data: { name: `Name ${i}`, tags: i % 3 === 0 ? ['vip'] : [], nested: { level: i % 10, ratio: i / 8 } },
  updated_at: at(i, 5_000),
}));
const USER_COLUMNS = ['user_id', 'user_data', 'updated_at'];

const EVENT_TYPES = ['click', 'view', 'purchase', 'signup'];
const EVENTS = range(4000).map((i) => ({
  event_id: BigInt(1_000_000 + i),
  event_type: EVENT_TYPES[(i * i) % 4],
  payload: { i, ok: i % 2 === 0, note: i % 100 === 0 ? 'naïve ✓' : null },
  timestamp: at(i, 10),
}));
const EVENT_COLUMNS = ['event_id', 'event_type', 'payload', 'timestamp'];

const PRODUCTS = range(3000).map((i) => ({
  product_id: `prod-${(i * 11) % 600}`,
  warehouse_id: `wh-${i % 4}`,
  quantity: (i % 50) - 10,
  last_updated: at(i, 1_000),
}));
const PRODUCT_COLUMNS = ['product_id', 'warehouse_id', 'quantity', 'last_updated'];

/** Writes rows in chunks that do not line up with the batch size, then flushes. */
async function feed(sink: RedisSink, rows: readonly Row[], chunk = 700): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) await sink.write(rows.slice(i, i + chunk));
  await sink.flush();
}

// ---------------------------------------------------------------------------------------------

describe.each<Mode>(['standalone', 'cluster'])('seed examples on %s', (mode) => {
  const d = () => deployments[mode];

  /** The statement with its `address` pointed at the test deployment (and nothing else changed). */
  function located(sql: string): string {
    const m = /address = '(redis:\/\/[^']+)'/.exec(sql);
    expect(m).not.toBeNull();
    const [option, seedAddress] = m!;
    const out =
      mode === 'standalone'
        ? sql.replace(seedAddress, d().urls[0])
        : sql.replace(option, `'cluster.addresses' = '${d().urls.join(', ')}'`);
    expect(out).not.toBe(sql);
    return out;
  }

  /** A seed statement with extra `WITH` options added before its closing parenthesis. */
  function withOptions(sql: string, options: string): string {
    const out = sql.replace(/\n\);$/, `,\n    ${options}\n);`);
    expect(out).not.toBe(sql);
    return out;
  }

  beforeEach(async () => {
    for (const n of d().nodes) await cli(n, 'flushall');
  });

  it('sessions — string with TTL 1800, password from {{ REDIS_PASSWORD }} via env', async () => {
    expect(process.env.REDIS_PASSWORD).toBeUndefined();
    for (const n of d().nodes) await cli(n, 'config', 'set', 'requirepass', SESSION_PASSWORD);
    try {
      // The server now refuses unauthenticated clients.
      const anonymous = await redisCli(d().nodes[0], ['ping']);
      expect(anonymous.stdout + anonymous.stderr).toMatch(/NOAUTH/);

      const sink = await createSink(
        { sql: located(SEED_SQL.sessions) },
        { env: { REDIS_PASSWORD: SESSION_PASSWORD } },
      );
      await feed(sink, SESSIONS);
      expect(sink.stats).toMatchObject({ rowsIn: 3000, rowsWritten: 3000, rowsSkipped: 0 });
      await sink.close();

      const got = await readAll(d(), 'session:*', strings, SESSION_PASSWORD);
      expect(got).toEqual(lastByKey(SESSIONS, 'session:', 'session_id', SESSION_COLUMNS));
      expect(got.size).toBe(2500);
      expect(got.get('session:sess-0499')).toBe(
        '{"session_id":"sess-0499","user_id":"u56","user_email":"user56@example.com",' +
          '"permissions":{"roles":["user","support"],"scopes":["read"]},"last_activity":"2026-03-01T12:49:59.000Z"}',
      );
      const expiry = await readAll(d(), 'session:*', ttls, SESSION_PASSWORD);
      expect(expiry.size).toBe(2500);
      for (const ttl of expiry.values()) {
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(1800);
      }
    } finally {
      for (const n of d().nodes) {
        await redisCli(n, ['-a', SESSION_PASSWORD, 'config', 'set', 'requirepass', '']);
      }
    }
  });

  it('leaderboard — list Prepend capped at 100, newest first', async () => {
    const sink = await createSink({ sql: located(SEED_SQL.leaderboard) });
    await feed(sink, LEADERBOARD, 450);
    expect(sink.stats.rowsWritten).toBe(3000);
    await sink.close();

    const got = await readAll(d(), 'leaderboard:*', lists);
    const expected = listsOf(LEADERBOARD, 'leaderboard:', 'game_id', 'Prepend', 100, (r) =>
      rowJson(r, LEADERBOARD_COLUMNS),
    );
    expect(got).toEqual(expected);
    expect([...got.keys()].sort()).toEqual([
      'leaderboard:game-0',
      'leaderboard:game-1',
      'leaderboard:game-2',
      'leaderboard:game-3',
      'leaderboard:game-4',
      'leaderboard:game-5',
      'leaderboard:rare',
    ]);
    for (const [k, l] of got) expect(l.length).toBe(k === 'leaderboard:rare' ? 31 : 100);
    // Newest first: the last row written heads its game's list, its big score exact.
    expect(got.get('leaderboard:game-5')?.[0]).toBe(
      '{"game_id":"game-5","player_id":"player-469","score":"1152921504606846976","timestamp":"2026-03-01T12:12:29.750Z"}',
    );
  });

  it('inventory_updates — hash: field = sku, value = the row as JSON', async () => {
    const sink = await createSink({ sql: located(SEED_SQL.inventory_updates) });
    await feed(sink, INVENTORY);
    expect(sink.stats.rowsWritten).toBe(3000);
    await sink.close();

    const got = await readAll(d(), 'stock:*', hashes);
    expect(got).toEqual(
      lastByField(INVENTORY, 'stock:', 'warehouse', 'sku', (r) => rowJson(r, INVENTORY_COLUMNS)),
    );
    expect(got.size).toBe(5);
    expect(got.get('stock:WH-4')?.get('SKU-387')).toBe(
      '{"sku":"SKU-387","warehouse":"WH-4","quantity":383,"updated_at":"2026-03-03T10:39:00.000Z"}',
    );
  });

  it('user_cache — string with TTL 86400', async () => {
    const sink = await createSink({ sql: located(SEED_SQL.user_cache) });
    await feed(sink, USERS);
    await sink.close();

    const got = await readAll(d(), 'user:*', strings);
    expect(got).toEqual(lastByKey(USERS, 'user:', 'user_id', USER_COLUMNS));
    expect(got.size).toBe(1500);
    for (const ttl of (await readAll(d(), 'user:*', ttls)).values()) {
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(86400);
    }
  });

  it('event_stream — list Append in input order', async () => {
    const sink = await createSink({ sql: located(SEED_SQL.event_stream) });
    await feed(sink, EVENTS, 333);
    await sink.close();

    const got = await readAll(d(), 'events:*', lists);
    expect(got).toEqual(
      listsOf(EVENTS, 'events:', 'event_type', 'Append', 10000, (r) => rowJson(r, EVENT_COLUMNS)),
    );
    expect(got.get('events:click')?.[0]).toBe(
      '{"event_id":1000000,"event_type":"click","payload":{"i":0,"ok":true,"note":"naïve ✓"},"timestamp":"2026-03-01T12:00:00.000Z"}',
    );
  });

  it('product_inventory — hash: field = product_id', async () => {
    const sink = await createSink({ sql: located(SEED_SQL.product_inventory) });
    await feed(sink, PRODUCTS);
    await sink.close();

    const got = await readAll(d(), 'inventory:*', hashes);
    expect(got).toEqual(
      lastByField(PRODUCTS, 'inventory:', 'warehouse_id', 'product_id', (r) => rowJson(r, PRODUCT_COLUMNS)),
    );
    expect(got.size).toBe(4);
  });

  it('curl bodies — the documented profile (app_user, {{ REDIS_PASSWORD }}) and string table through the JSON door', async () => {
    const connection = mode === 'standalone' ? { address: d().urls[0] } : { addresses: d().urls };
    const profile = {
      name: 'redis_cache',
      connector: 'redis',
      config: { connection, username: 'app_user', password: '{{ REDIS_PASSWORD }}' },
    };
    const table = {
      name: 'user_sessions',
      connector: 'redis',
      connectionProfileId: 'prof_redis123',
      config: {
        connectorType: { target: { keyPrefix: 'session:', keyColumn: 'session_id', ttlSecs: 3600 } },
      },
    };
    const rows = range(2000).map((i) => ({
      session_id: `web-${i}`,
      user: `u${i % 300}`,
      started_at: at(i, 3000),
      hits: BigInt(i) * 3n,
    }));
    const sink = await createSink({ profile, table }, { env: { REDIS_PASSWORD: APP_PASSWORD } });
    await feed(sink, rows);
    await sink.close();

    // Without a schema, the row's own fields in their order.
    const got = await readAll(d(), 'session:*', strings);
    expect(got).toEqual(
      lastByKey(rows, 'session:', 'session_id', ['session_id', 'user', 'started_at', 'hits']),
    );
    expect(got.get('session:web-7')).toBe(
      '{"session_id":"web-7","user":"u7","started_at":"2026-03-01T12:00:21.000Z","hits":21}',
    );
    for (const ttl of (await readAll(d(), 'session:*', ttls)).values()) {
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3600);
    }
  });

  // -------------------------------------------------------------------------------------------
  // Raw format

  it('raw — string table writes the one value column byte for byte', async () => {
    const sql = `CREATE TABLE raw_blobs (blob_id TEXT, body BYTEA) WITH (
      connector = 'redis', address = 'redis://localhost:6379', type = 'sink', format = 'raw',
      'sink.type' = 'string', 'sink.key_prefix' = 'blob:', 'sink.key_column' = 'blob_id', 'sink.ttl_secs' = '600'
    )`;
    const rows = range(1500).map((i) => ({
      blob_id: `b${i}`,
      body: Buffer.from(range((i % 64) + 1).map((j) => (i * 31 + j * 7) % 256)),
    }));
    const sink = await createSink({ sql: located(sql) });
    await feed(sink, rows);
    await sink.close();

    const got = await readAll(d(), 'blob:*', buffers);
    expect(got.size).toBe(1500);
    for (const r of rows) expect(got.get(`blob:${r.blob_id}`)?.equals(r.body), r.blob_id).toBe(true);
  });

  it("raw — list table writes the column named 'value', Append capped", async () => {
    const sql = `CREATE TABLE raw_feed (feed TEXT, seq BIGINT, value TEXT) WITH (
      connector = 'redis', address = 'redis://localhost:6379', type = 'sink', format = 'raw',
      'sink.type' = 'list', 'sink.list_prefix' = 'feed:', 'sink.list_key_column' = 'feed',
      'sink.operation' = 'Append', 'sink.max_length' = '50'
    )`;
    const rows = range(1500).map((i) => ({ feed: `f${i % 8}`, seq: BigInt(i), value: `line ${i} ✓` }));
    const sink = await createSink({ sql: located(sql) });
    await feed(sink, rows, 400);
    await sink.close();

    const got = await readAll(d(), 'feed:*', lists);
    expect(got).toEqual(listsOf(rows, 'feed:', 'feed', 'Append', 50, (r) => String(r.value)));
    expect(got.get('feed:f7')?.at(-1)).toBe('line 1495 ✓');
  });

  it('raw — hash table writes text() of the value column', async () => {
    const sql = `CREATE TABLE raw_stock (warehouse TEXT, sku TEXT, quantity DOUBLE) WITH (
      connector = 'redis', address = 'redis://localhost:6379', type = 'sink', format = 'raw',
      'sink.type' = 'hash', 'sink.hash_key_prefix' = 'rawstock:', 'sink.hash_key_column' = 'warehouse',
      'sink.hash_field_column' = 'sku'
    )`;
    const numbers: [number, string][] = [
      [0.1, '0.1'],
      [-0, '0'],
      [1e21, '1000000000000000000000'],
      [1.5e-7, '0.00000015'],
      [42, '42'],
      [-3.25, '-3.25'],
      [2 ** 53 + 2, '9007199254740994'],
    ];
    const rows = range(2000).map((i) => ({
      warehouse: `w${i % 3}`,
      sku: `s${(i * 7) % 101}`,
      quantity: numbers[i % numbers.length][0],
      text: numbers[i % numbers.length][1],
    }));
    const sink = await createSink({ sql: located(sql) });
    await feed(sink, rows);
    await sink.close();

    const got = await readAll(d(), 'rawstock:*', hashes);
    expect(got).toEqual(lastByField(rows, 'rawstock:', 'warehouse', 'sku', (r) => String(r.text)));
    expect(new Set([...got.values()].flatMap((h) => [...h.values()]))).toEqual(
      new Set(numbers.map(([, t]) => t)),
    );
  });

  // -------------------------------------------------------------------------------------------
  // Bad rows: null key column, missing field column, NaN value, empty key column

  const BAD_EVERY = 250;
  const bad = (i: number): Row => {
    switch ((i / BAD_EVERY) % 4) {
      case 0:
        return { product_id: `p-null-${i}`, warehouse_id: null, quantity: 1, last_updated: at(i, 1) };
      case 1:
        return { warehouse_id: 'wh-1', quantity: 2, last_updated: at(i, 1) };
      case 2:
        return {
          product_id: `p-nan-${i}`,
          warehouse_id: 'wh-2',
          quantity: Number.NaN,
          last_updated: at(i, 1),
        };
      default:
        return { product_id: `p-empty-${i}`, warehouse_id: '', quantity: 3, last_updated: at(i, 1) };
    }
  };
  const REASONS = [
    "key column 'warehouse_id' is null",
    "field column 'product_id' is missing",
    "column 'quantity' cannot be encoded as JSON",
    "key column 'warehouse_id' is empty",
  ];
  /** 2000 rows; every 250th (from row 250 on) is bad, cycling through the four kinds. */
  const MIXED: Row[] = range(2000).map((i) =>
    i > 0 && i % BAD_EVERY === 0 ? bad(i - BAD_EVERY) : PRODUCTS[i],
  );
  const GOOD = MIXED.filter((_, i) => !(i > 0 && i % BAD_EVERY === 0));
  const BAD_COUNT = MIXED.length - GOOD.length;
  const expectedGood = (rows: readonly Row[]) =>
    lastByField(rows, 'inventory:', 'warehouse_id', 'product_id', (r) => rowJson(r, PRODUCT_COLUMNS));

  it("policy skip — bad rows counted, good rows all land, prefix + '' never written", async () => {
    const sql = withOptions(located(SEED_SQL.product_inventory), "'sink.on_error' = 'skip'");
    const sink = await createSink({ sql }, { logger: silent });
    await feed(sink, MIXED, 600);
    expect(BAD_COUNT).toBe(7);
    expect(sink.stats).toMatchObject({
      rowsIn: 2000,
      rowsWritten: 2000 - BAD_COUNT,
      rowsSkipped: BAD_COUNT,
      rowsDeadLettered: 0,
    });
    await sink.close();

    const got = await readAll(d(), 'inventory:*', hashes);
    expect(got).toEqual(expectedGood(GOOD));
    expect(got.has('inventory:')).toBe(false);
    expect((await readAll(d(), '*dead*', strings)).size).toBe(0);
  });

  it('policy dead_letter — bad rows go to the dead-letter list with their reasons, in order', async () => {
    const sql = withOptions(located(SEED_SQL.product_inventory), "'sink.on_error' = 'dead_letter'");
    const sink = await createSink({ sql }, { logger: silent });
    await feed(sink, MIXED, 600);
    expect(sink.stats).toMatchObject({
      rowsIn: 2000,
      rowsWritten: 2000 - BAD_COUNT,
      rowsSkipped: 0,
      rowsDeadLettered: BAD_COUNT,
    });
    await sink.close();

    const got = await readAll(d(), 'inventory:*', hashes);
    expect(got).toEqual(expectedGood(GOOD));
    expect(got.has('inventory:')).toBe(false);
    const dead = (await readAll(d(), 'product_inventory:dead_letter', lists)).get(
      'product_inventory:dead_letter',
    );
    expect(dead?.length).toBe(BAD_COUNT);
    const entries = dead!.map((e) => JSON.parse(e));
    entries.forEach((e, k) => {
      const row = bad(k * BAD_EVERY);
      expect(e.table).toBe('product_inventory');
      expect(e.reason).toBe(REASONS[k % 4]);
      expect(Number.isNaN(Date.parse(e.at))).toBe(false);
      expect(e.row).toEqual({
        ...JSON.parse(JSON.stringify(row)),
        ...(Number.isNaN(row.quantity) ? { quantity: 'NaN' } : {}),
      });
    });
  });

  it('policy fail — the first bad row stops the sink; rows before it land, rows after do not', async () => {
    const sql = withOptions(located(SEED_SQL.product_inventory), "'sink.on_error' = 'fail'");
    const sink = await createSink({ sql }, { logger: silent });
    // The first bad row is MIXED[250]: index 50 of the second write.
    await sink.write(MIXED.slice(0, 200));
    const err = await sink.write(MIXED.slice(200, 600)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRowError);
    expect(err).toMatchObject({ code: 'ERR_BAD_ROW', table: 'product_inventory', position: { index: 50 } });
    expect((err as Error).message).toContain(REASONS[0]);
    await expect(sink.flush()).rejects.toBe(err);
    await expect(sink.write(MIXED.slice(600))).rejects.toBe(err);
    expect(sink.stats).toMatchObject({ rowsIn: 251, rowsWritten: 250, rowsSkipped: 0, rowsDeadLettered: 0 });
    await expect(sink.close()).rejects.toBe(err);

    const got = await readAll(d(), 'inventory:*', hashes);
    expect(got).toEqual(expectedGood(MIXED.slice(0, 250)));
    expect(got.has('inventory:')).toBe(false);
  });
});
